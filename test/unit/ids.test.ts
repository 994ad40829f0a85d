// Content ids: the same for every delivery of an event, different for
// different events, repeats within one write told apart.
import { describe, expect, test } from "vitest";
import {
  eventContentId,
  fillEventIds,
  fillRejectionIds,
  rejectionIdFiller,
} from "../../src/sinks/ids.js";
import type { EventRow, RejectionRow } from "../../src/sinks/rows.js";

const ev = (over: Partial<EventRow> = {}): EventRow => ({
  tenant: "default",
  ts: 1_700_000_000_000,
  received_at: 1_700_000_000_050,
  event_id: "",
  source: "prom",
  kind: "alert",
  service: "db",
  journey: "",
  step: "",
  status: "firing",
  metric: "",
  name: "Down",
  severity: "critical",
  fingerprint: "f",
  value: 0,
  count: 0,
  scale: "",
  channel: "",
  device_id: "",
  version: "",
  text: "",
  labels: { a: "1", b: "2" },
  ...over,
});

describe("eventContentId", () => {
  test("ignores the receive time and label order; depends on everything else", () => {
    const id = eventContentId(ev());
    expect(id).toMatch(/^h:[0-9a-f]{16}$/);
    expect(eventContentId(ev({ received_at: 5 }))).toBe(id);
    expect(eventContentId(ev({ labels: { b: "2", a: "1" } }))).toBe(id);
    const changed: Partial<EventRow>[] = [
      { tenant: "acme" },
      { ts: 1_700_000_000_001 },
      { service: "db2" },
      { value: 0.1 },
      { text: "x" },
      { labels: { a: "1" } },
      { labels: { a: "12", b: "" } },
      { name: "Dow", fingerprint: "nf" },
    ];
    const ids = new Set([id, ...changed.map((c) => eventContentId(ev(c)))]);
    expect(ids.size).toBe(changed.length + 1);
  });

  test("200,000 distinct events get 200,000 distinct ids", () => {
    const seen = new Set<string>();
    const r = ev();
    for (let i = 0; i < 200_000; i++) {
      r.ts = 1_700_000_000_000 + (i >> 4);
      r.value = i & 15;
      seen.add(eventContentId(r));
    }
    expect(seen.size).toBe(200_000);
  });
});

describe("fill ids", () => {
  test("keeps client ids, ranks repeats within one write, maps a redelivery onto the same ids", () => {
    const write = () => [ev({ event_id: "client-1" }), ev(), ev(), ev({ value: 2 })];
    const first = write();
    fillEventIds(first);
    const ids = first.map((r) => r.event_id);
    expect(ids[0]).toBe("client-1");
    expect(ids[2]).toBe(`${ids[1]}#1`);
    expect(new Set(ids).size).toBe(4);
    const again = write().map((r) => ({ ...r, received_at: r.received_at + 999 }));
    fillEventIds(again);
    expect(again.map((r) => r.event_id)).toEqual(ids);
  });

  test("rejections get ids from their content and their write, never shared with another write", () => {
    const rej = (i: number): RejectionRow => ({
      tenant: "default",
      received_at: 1000 + i,
      ts: null,
      front_end: "grpc",
      source: "",
      code: "MALFORMED",
      reason: "bad",
      event_id: "",
      payload: "{}",
    });
    const rows = [rej(0), rej(0), rej(1), { ...rej(2), rejection_id: "kept" }];
    fillRejectionIds(rows);
    const [id0, token] = rows[0]?.rejection_id?.split("@") ?? [];
    expect(rows[1]?.rejection_id).toBe(`${id0}#1@${token}`);
    expect(rows[2]?.rejection_id).not.toBe(rows[0]?.rejection_id);
    expect(rows[3]?.rejection_id).toBe("kept");
    // The same rejections in another write (another request in the same
    // millisecond) are other rows.
    const again = [rej(0), rej(0), rej(1)];
    fillRejectionIds(again);
    const first = new Set(rows.map((r) => r.rejection_id));
    expect(again.filter((r) => first.has(r.rejection_id))).toEqual([]);
    expect(again[1]?.rejection_id?.split("@")[0]).toBe(`${rows[0]?.rejection_id?.split("@")[0]}#1`);
  });

  test("a fixed seed repeats a run's rejection ids (a replay run twice); another seed does not", () => {
    const rej = (i: number): RejectionRow => ({
      tenant: "default",
      received_at: 1000 + i,
      ts: null,
      front_end: "replay",
      source: "",
      code: "LATE_EVENT",
      reason: "late",
      event_id: `e-${i}`,
      payload: "{}",
    });
    const run = (seed: string) => {
      const fill = rejectionIdFiller(seed);
      const writes = [[rej(0), rej(1)], [rej(0)], [rej(2), rej(2)]];
      for (const w of writes) fill(w);
      return writes.flat().map((r) => r.rejection_id);
    };
    const first = run("replay-1-2");
    expect(new Set(first).size).toBe(5);
    expect(run("replay-1-2")).toEqual(first);
    expect(run("replay-1-3").filter((id) => first.includes(id))).toEqual([]);
  });
});
