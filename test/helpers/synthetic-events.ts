// Cheap, deterministic event streams for load and crash tests: every service
// of a topology reports its error rate each step, with a health check now and
// then, and faults (a service failing for a while) rotate through the
// services so the core opens, grows and resolves incidents. About half the
// events carry client ids; the rest get content ids from the sink.
import { type Event, HealthStatus, MetricKind } from "../../src/gen/impactd/v1/event.js";
import type { Topology } from "../../src/gen/impactd/v1/topology.js";

/** SyntheticOptions shape a stream. */
export interface SyntheticOptions {
  topology: Topology;
  /** Event time of the first step, epoch ms. */
  startMs: number;
  /** Total events. */
  count: number;
  /** Events per yielded batch. @default 10_000 */
  batch?: number;
  /** Event-time distance between steps. @default 100 */
  stepMs?: number;
  /** Steps between fault onsets. @default 600 */
  faultEvery?: number;
  /** Steps a fault lasts. @default 200 */
  faultSteps?: number;
}

// A small integer hash, for noise that is the same on every run.
function noise(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return ((h ^ (h >>> 12)) >>> 0) / 4294967296;
}

/** syntheticEvents yields the stream in batches, in event-time order. */
export function* syntheticEvents(o: SyntheticOptions): Generator<Event[]> {
  const services = o.topology.services.map((s) => s.name);
  const size = o.batch ?? 10_000;
  const stepMs = o.stepMs ?? 100;
  const every = o.faultEvery ?? 600;
  const steps = o.faultSteps ?? 200;
  let batch: Event[] = [];
  let n = 0;
  for (let k = 0; n < o.count; k++) {
    const ts = o.startMs + k * stepMs;
    const faulty = services[Math.floor(k / every) % services.length];
    const inFault = k % every < steps;
    for (let s = 0; s < services.length && n < o.count; s++) {
      const service = services[s] as string;
      const failing = inFault && service === faulty;
      const id = (k + s) % 2 === 0 ? "" : `e-${k}-${s}`;
      const ev: Event =
        k % 50 === s % 50
          ? {
              tsUnixMs: ts + s,
              source: "synthetic",
              tenant: "",
              id,
              kind: {
                $case: "healthCheck",
                value: {
                  service,
                  status: failing ? HealthStatus.HEALTH_STATUS_DOWN : HealthStatus.HEALTH_STATUS_OK,
                  message: failing ? "probe failed" : "",
                },
              },
            }
          : {
              tsUnixMs: ts + s,
              source: "synthetic",
              tenant: "",
              id,
              kind: {
                $case: "metric",
                value: {
                  service,
                  metric: MetricKind.METRIC_KIND_ERROR_RATE,
                  customName: "",
                  value: failing ? 0.4 + 0.2 * noise(k, s) : 0.002 * noise(k, s),
                },
              },
            };
      batch.push(ev);
      n++;
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
