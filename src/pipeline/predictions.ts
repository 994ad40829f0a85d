// Predictions issued by the core and how they turned out, per tenant.
import type { CoreOutput } from "../core/tenant-core.js";
import { type Prediction, PredictionOutcome } from "../gen/impactd/v1/incident.js";

/** How many predictions each tenant keeps in memory (oldest dropped first). */
export const DEFAULT_PREDICTIONS_KEPT = 10_000;

/** PredictionBook tracks one tenant's predictions from core outputs. */
export class PredictionBook {
  private readonly byId = new Map<number, Prediction>();

  constructor(
    readonly tenant: string,
    private readonly kept = DEFAULT_PREDICTIONS_KEPT,
  ) {}

  /** apply folds prediction outputs in and returns the predictions they touched. */
  apply(outputs: readonly CoreOutput[]): Prediction[] {
    const touched: Prediction[] = [];
    for (const o of outputs) {
      if (o.type === "prediction") {
        const p: Prediction = {
          id: `pred-${o.ts.toString(36)}-${o.target}`,
          tenant: this.tenant,
          target: o.target,
          targetKind: o.targetKind,
          issuedUnixMs: o.ts,
          predictedBreachUnixMs: Math.round(o.breachAt),
          level: o.level,
          forecast: o.forecast,
          threshold: o.threshold,
          predictedCustomersAffectedPerMin: o.customersAffectedPerMin,
          outcome: PredictionOutcome.PREDICTION_OUTCOME_PENDING,
          actualBreachUnixMs: 0,
        };
        this.byId.set(o.id, p);
        touched.push(p);
        if (this.byId.size > this.kept) {
          const oldest = this.byId.keys().next().value as number;
          this.byId.delete(oldest);
        }
      } else if (o.type === "prediction_outcome") {
        const p = this.byId.get(o.id);
        if (p === undefined) continue;
        p.outcome = o.hit
          ? PredictionOutcome.PREDICTION_OUTCOME_HIT
          : PredictionOutcome.PREDICTION_OUTCOME_FALSE_ALARM;
        p.actualBreachUnixMs = o.hit ? o.breachAt : 0;
        touched.push(p);
      }
    }
    return touched;
  }

  /** exportState returns the predictions keyed by the core's ids. */
  exportState(): [number, Prediction][] {
    return [...this.byId.entries()];
  }

  /** importState loads what exportState returned. */
  importState(entries: [number, Prediction][]): void {
    for (const [k, v] of entries) this.byId.set(k, v);
  }

  /** all lists the predictions held, oldest first. */
  all(): Prediction[] {
    return [...this.byId.values()];
  }
}
