// Seeded fuzz material for every front end: valid events of every kind,
// events with exactly one known defect (and the code it must be rejected
// with), and byte-level mutations of encoded payloads. A front end's fuzz
// test encodes the events in its own wire format (protobuf, JSON, OTLP),
// sends them, mutates the bytes, and checks every answer and every
// rejected_events row against what the case expects.
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { Rng } from "../../src/sim/rng.js";

/** Case is one generated batch. */
export interface Case {
  /** The events as sent (before any byte mutation). */
  events: Event[];
  /**
   * Per event, the rejection code it must get, or "" when it must be
   * accepted. Undefined for cases whose bytes are mutated afterwards.
   */
  expect: string[] | undefined;
}

const SERVICES = ["cart", "payments", "payments-db", "search", "auth", "svc.a/b:c-1"];
const JOURNEYS = ["checkout", "login", "browse"];

/** goodEvent is a random valid event of a random kind. */
export function goodEvent(rng: Rng, now: number): Event {
  const ts = now - rng.int(3_600_000);
  const service = rng.pick(SERVICES);
  const base = { tsUnixMs: ts, source: rng.pick(["prom", "otel", ""]), tenant: "", id: "" };
  switch (rng.int(7)) {
    case 0:
      return {
        ...base,
        kind: { $case: "healthCheck", value: { service, status: 1 + rng.int(3), message: "ok" } },
      };
    case 1: {
      const metric = 1 + rng.int(5);
      const value =
        metric === 2 ? rng.range(0, 5_000) : metric === 4 ? rng.range(0, 1e6) : rng.next();
      return {
        ...base,
        kind: {
          $case: "metric",
          value: { service, metric, customName: metric === 5 ? "queue_depth" : "", value },
        },
      };
    }
    case 2:
      return {
        ...base,
        kind: {
          $case: "alert",
          value: {
            service,
            name: "HighErrorRate",
            severity: rng.int(5),
            labels: { team: "core", env: "prod" },
            state: 1 + rng.int(2),
            fingerprint: "",
            summary: "errors above SLO",
          },
        },
      };
    case 3:
      return {
        ...base,
        kind: {
          $case: "change",
          value: { service, kind: 1 + rng.int(4), version: "v1.2.3", description: "" },
        },
      };
    case 4:
      return {
        ...base,
        kind: {
          $case: "journeySignal",
          value: {
            journey: rng.pick(JOURNEYS),
            step: "pay",
            outcome: 1 + rng.int(4),
            count: rng.int(100),
          },
        },
      };
    case 5: {
      const scale = 1 + rng.int(2);
      return {
        ...base,
        kind: {
          $case: "feedback",
          value: {
            journey: rng.pick(JOURNEYS),
            score: scale === 1 ? rng.int(11) : 1 + rng.int(5),
            scale,
            channel: "app",
            text: "",
          },
        },
      };
    }
    default:
      return {
        ...base,
        kind: {
          $case: "deviceTelemetry",
          value: {
            deviceId: `dev-${rng.int(1000)}`,
            service,
            metric: 3,
            customName: "",
            value: rng.next(),
          },
        },
      };
  }
}

const YEAR = 365 * 86_400_000;

/** badEvent is a valid event with one defect, and the code it must be rejected with. */
export function badEvent(rng: Rng, now: number): [Event, string] {
  const ev = goodEvent(rng, now);
  const metric = (value: number, metricKind = 1): Event => ({
    ...ev,
    kind: {
      $case: "metric",
      value: { service: "cart", metric: metricKind, customName: "", value },
    },
  });
  const health = (service: string, status = 1): Event => ({
    ...ev,
    kind: { $case: "healthCheck", value: { service, status, message: "" } },
  });
  switch (rng.int(12)) {
    case 0:
      return [{ ...ev, tsUnixMs: 0 }, "INVALID_TIMESTAMP"];
    case 1:
      return [{ ...ev, tsUnixMs: now + YEAR }, "TIMESTAMP_IN_FUTURE"];
    case 2:
      return [{ ...ev, tsUnixMs: now - YEAR }, "TIMESTAMP_TOO_OLD"];
    case 3:
      return [{ ...ev, kind: undefined }, "UNKNOWN_KIND"];
    case 4:
      return [
        metric(rng.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])),
        "INVALID_VALUE",
      ];
    case 5:
      return [metric(-rng.range(1, 1e6), 2), "INVALID_VALUE"];
    case 6:
      return [metric(rng.range(1.5, 1e9)), "INVALID_VALUE"];
    case 7:
      return [health("cart", rng.pick([0, 4, 99, 1_000_000])), "INVALID_ENUM"];
    case 8:
      return [health(""), "MISSING_FIELD"];
    case 9:
      return [health(rng.pick(["bad name", "-lead", "x".repeat(200), "ünïcode"])), "INVALID_NAME"];
    case 10:
      return [{ ...ev, source: "s".repeat(300) }, "FIELD_TOO_LONG"];
    default:
      return [
        {
          ...ev,
          kind: {
            $case: "incidentAction",
            value: { incidentId: "inc-none", action: 1, actor: "fuzz", note: "" },
          },
        },
        "UNKNOWN_INCIDENT",
      ];
  }
}

/** batchCase is a batch of 1..maxEvents events, some of them bad. */
export function batchCase(rng: Rng, now: number, maxEvents: number, badShare: number): Case {
  const n = 1 + rng.int(maxEvents);
  const events: Event[] = [];
  const expect: string[] = [];
  for (let i = 0; i < n; i++) {
    if (rng.chance(badShare)) {
      const [ev, code] = badEvent(rng, now);
      events.push(ev);
      expect.push(code);
    } else {
      events.push(goodEvent(rng, now));
      expect.push("");
    }
  }
  return { events, expect };
}

/** mutate damages encoded bytes: bit flips, truncation, insertion or splicing. */
export function mutate(rng: Rng, bytes: Uint8Array): Buffer {
  const b = Buffer.from(bytes);
  switch (rng.int(4)) {
    case 0: {
      for (let i = 0, n = 1 + rng.int(4); i < n && b.length > 0; i++) {
        const at = rng.int(b.length);
        b[at] = (b[at] as number) ^ (1 << rng.int(8));
      }
      return b;
    }
    case 1:
      return b.subarray(0, rng.int(b.length + 1));
    case 2: {
      const at = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), randomBytes(rng, 1 + rng.int(16)), b.subarray(at)]);
    }
    default: {
      const from = rng.int(b.length + 1);
      const to = from + rng.int(b.length - from + 1);
      return Buffer.concat([b, b.subarray(from, to)]);
    }
  }
}

/** randomBytes is `n` seeded random bytes. */
export function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

/** rng makes the seeded generator the fuzz tests share. */
export function fuzzRng(seed: number): Rng {
  return new Rng(seed);
}
