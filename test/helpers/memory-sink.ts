// An in-memory PipelineSink for tests that need no ClickHouse: it keeps every
// row, can hold writes open (rows kept, promise pending: "written but not yet
// confirmed") and can report itself overloaded.
import type { PipelineSink } from "../../src/pipeline/pipeline.js";
import type {
  EventRow,
  IncidentEventRow,
  IncidentRow,
  PredictionRow,
  RejectionRow,
  ServiceHealthRow,
} from "../../src/sinks/rows.js";

/** MemorySink stores rows in arrays. */
export class MemorySink implements PipelineSink {
  readonly events: EventRow[] = [];
  readonly incidents: IncidentRow[] = [];
  readonly rejections: RejectionRow[] = [];
  readonly timeline: IncidentEventRow[] = [];
  readonly health: ServiceHealthRow[] = [];
  readonly predictions: PredictionRow[] = [];
  /** What overloaded() answers. */
  busy = false;
  private held: Promise<void> | undefined;

  /** hold makes writes wait (after storing their rows) until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.held = new Promise<void>((r) => {
      release = r;
    });
    return () => {
      this.held = undefined;
      release();
    };
  }

  private done(): Promise<void> {
    return this.held ?? Promise.resolve();
  }

  writeEvents(rows: readonly EventRow[]): Promise<void> {
    this.events.push(...rows);
    return this.done();
  }

  writeRejections(rows: readonly RejectionRow[]): Promise<void> {
    this.rejections.push(...rows);
    return this.done();
  }

  writeIncidents(rows: readonly IncidentRow[]): Promise<void> {
    this.incidents.push(...rows);
    return this.done();
  }

  writeIncidentEvents(rows: readonly IncidentEventRow[]): Promise<void> {
    this.timeline.push(...rows);
    return this.done();
  }

  writeServiceHealth(rows: readonly ServiceHealthRow[]): Promise<void> {
    this.health.push(...rows);
    return this.done();
  }

  writePredictions(rows: readonly PredictionRow[]): Promise<void> {
    this.predictions.push(...rows);
    return this.done();
  }

  overloaded(): boolean {
    return this.busy;
  }
}

/** waitFor polls `cond` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
