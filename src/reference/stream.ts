// Event-time ordering (mirrors assembly/stream.ts). Records wait in a pending
// list until the watermark (max event time seen - P_LATENESS_MS) passes them;
// then they are applied in one total order, so any batching and any arrival
// order within the lateness bound give the same decisions. Records behind the
// watermark are reported late and not applied.
import {
  K_ACTION,
  K_ALERT,
  K_CHANGE,
  K_DEVICE,
  K_FEEDBACK,
  K_HEALTH,
  K_JOURNEY,
  K_METRIC,
  O_LATE,
  P_LATENESS_MS,
} from "../core/layout.js";
import type { Model } from "./model.js";
import { f64Bits, type InputRecord } from "./records.js";
import {
  T_ALERT_EXPIRE,
  T_CONFIRM,
  T_ESCALATE,
  T_JPRED_DEADLINE,
  T_PRED_DEADLINE,
  T_RECOVER,
  T_RESOLVE,
} from "./timers.js";

/**
 * compareRecords is the core's total order: time; at equal times incident
 * actions first (the host applies them at the watermark, before later
 * events of that time); then the record's bytes read as the core reads them,
 * little-endian u64 words: (entity, flags, code, kind), the value's bit
 * pattern, (aux2, aux).
 */
export function compareRecords(a: InputRecord, b: InputRecord): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  const aAction = a.kind === K_ACTION;
  if (aAction !== (b.kind === K_ACTION)) return aAction ? -1 : 1;
  if (a.entity !== b.entity) return a.entity - b.entity;
  if (a.flags !== b.flags) return a.flags - b.flags;
  if (a.code !== b.code) return a.code - b.code;
  if (a.kind !== b.kind) return a.kind - b.kind;
  if (!Object.is(a.value, b.value)) {
    const [ah, al] = f64Bits(a.value);
    const [bh, bl] = f64Bits(b.value);
    if (ah !== bh) return ah - bh;
    if (al !== bl) return al - bl;
  }
  if (a.aux2 !== b.aux2) return a.aux2 - b.aux2;
  return a.aux - b.aux;
}

/** EventStream orders records by event time and applies them to the model. */
export class EventStream {
  /** Every record with ts < watermark has been applied. */
  watermark = Number.NEGATIVE_INFINITY;
  /** Highest event time accepted so far. */
  maxTs = Number.NEGATIVE_INFINITY;
  /** Event time of the instant whose records apply now. */
  instantTs = Number.NEGATIVE_INFINITY;
  late = 0;
  applied = 0;
  /** Records waiting for the watermark, sorted by compareRecords. */
  private pending: InputRecord[] = [];

  constructor(private readonly m: Model) {}

  /**
   * ingest takes one batch: late records are reported, the rest wait or
   * apply. An incident action at exactly the watermark takes effect in this
   * call too, with the other actions waiting at that time, in record order.
   */
  ingest(batch: readonly InputRecord[]): void {
    const kept: InputRecord[] = [];
    let acting = false;
    batch.forEach((r, i) => {
      if (r.ts < this.watermark) {
        const o = this.m.out.emit(r.ts, O_LATE, 0, r.entity);
        o.a = i;
        o.v0 = this.watermark;
        this.late++;
        return;
      }
      if (r.ts === this.watermark && r.kind === K_ACTION) acting = true;
      else if (r.ts > this.maxTs) this.maxTs = r.ts;
      kept.push(r);
    });
    for (const r of kept) this.pending.push(r);
    this.pending.sort(compareRecords);
    const w = this.maxTs - this.m.params.get(P_LATENESS_MS);
    const advanced = w > this.watermark;
    if (advanced) this.watermark = w;
    this.drain(acting && !advanced);
  }

  /** advanceTo moves the watermark to w (never backwards) and applies. */
  advanceTo(w: number): void {
    if (w > this.watermark) this.watermark = w;
    this.drain(false);
  }

  /** flush applies everything pending (end of stream). */
  flush(): void {
    if (this.maxTs > Number.NEGATIVE_INFINITY) this.advanceTo(this.maxTs + 1);
  }

  /** pendingCount is the number of records waiting for the watermark. */
  get pendingCount(): number {
    return this.pending.length;
  }

  // Applies pending records with ts < watermark (and, when `actions`, the
  // actions at exactly the watermark, which sort first at that time), then
  // timers due before it.
  // Once an instant is complete (a record of a later time comes, or the
  // watermark passes it), the incidents its records ranked are ranked again.
  private drain(actions: boolean): void {
    const incidents = this.m.incidents;
    let i = 0;
    for (; i < this.pending.length; i++) {
      const r = this.pending[i] as InputRecord;
      const now = actions && r.ts === this.watermark && r.kind === K_ACTION;
      if (r.ts >= this.watermark && !now) break;
      if (r.ts !== this.instantTs) {
        if (incidents.unsettled > 0) incidents.settle(this.instantTs);
        this.instantTs = r.ts;
      }
      this.apply(r);
    }
    if (incidents.unsettled > 0 && this.instantTs < this.watermark)
      incidents.settle(this.instantTs);
    if (i > 0) this.pending = this.pending.slice(i);
    this.fireTimersUpTo(this.watermark, false);
  }

  private fireTimersUpTo(limit: number, inclusive: boolean): void {
    const m = this.m;
    while (true) {
      const due = m.timers.nextDue();
      if (inclusive ? due > limit : due >= limit) return;
      const t = m.timers.pop();
      if (t === undefined) return;
      if (t.type === T_RECOVER) m.health.recoverTimer(t.target, due);
      else if (t.type === T_RESOLVE) m.incidents.resolveTimer(t.target, due);
      else if (t.type === T_PRED_DEADLINE) m.prediction.servicePredictionDeadline(t.target, due);
      else if (t.type === T_JPRED_DEADLINE) m.journeys.journeyPredictionDeadline(t.target, due);
      else if (t.type === T_ESCALATE) m.routing.escalateTimer(t.target, due);
      else if (t.type === T_CONFIRM) m.health.confirmTimer(t.target, due);
      else if (t.type === T_ALERT_EXPIRE) m.health.alertExpireTimer(t.target, due);
    }
  }

  // Timers due up to the record's time fire first, then the record applies.
  private apply(r: InputRecord): void {
    const m = this.m;
    this.fireTimersUpTo(r.ts, true);
    m.incidents.tracking = true;
    applyRecord(m, r);
    m.incidents.tracking = false;
    this.applied++;
  }
}

// K_* dispatch, as in assembly/stream.ts; device readings are metric samples.
function applyRecord(m: Model, r: InputRecord): void {
  switch (r.kind) {
    case K_HEALTH:
      m.health.applyHealthCheck(r.entity, r.ts, r.code);
      break;
    case K_METRIC:
    case K_DEVICE:
      m.health.applyMetric(r.entity, r.ts, r.code, r.value);
      break;
    case K_ALERT:
      m.health.applyAlert(r.entity, r.ts, r.code, r.flags, r.aux);
      break;
    case K_CHANGE:
      m.health.applyChange(r.entity, r.ts, r.aux);
      break;
    case K_JOURNEY:
      m.journeys.applyJourneySignal(r.entity, r.ts, r.code, r.value, r.flags);
      break;
    case K_FEEDBACK:
      m.journeys.applyFeedback(r.entity, r.ts, r.code, r.value);
      break;
    case K_ACTION:
      m.incidents.applyAction(r.entity, r.ts, r.code, r.aux);
      break;
  }
}
