// The HTTP transport's reading of a receiver's answer: delivered, retry
// later (with Retry-After), refused for good, unreachable, too slow; and the
// headers receivers de-duplicate on. The receiver is an in-process server.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeliveryError, HttpTransport, retryAfterMs } from "../../src/notify/index.js";
import type { NotificationRow } from "../../src/notify/rows.js";

let base = "";
const seen: { path: string; headers: Record<string, unknown>; body: string }[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => {
    body += c.toString();
  });
  req.on("end", () => {
    seen.push({ path: req.url ?? "", headers: req.headers, body });
    if (req.url === "/ok") res.writeHead(202).end('{"status":"success"}');
    else if (req.url === "/busy") res.writeHead(503, { "retry-after": "7" }).end("busy");
    else if (req.url === "/limited") res.writeHead(429).end();
    else if (req.url === "/bad") res.writeHead(400).end('{"message":"Event object is invalid"}');
    // "/slow": never answers
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const row = (path: string) =>
  ({
    notification_id: "0123abcd",
    dedup_key: "impactd/default/inc-1",
    address: `${base}${path}`,
    payload: '{"version":"4"}',
  }) as NotificationRow;

async function failure(path: string, timeoutMs = 2_000): Promise<DeliveryError> {
  try {
    await new HttpTransport(timeoutMs).send(row(path), new AbortController().signal);
  } catch (err) {
    return err as DeliveryError;
  }
  throw new Error(`${path} was delivered`);
}

describe("HTTP transport", () => {
  it("posts the stored body with the ids receivers de-duplicate on", async () => {
    await new HttpTransport(2_000).send(row("/ok"), new AbortController().signal);
    const got = seen.find((s) => s.path === "/ok");
    expect(got?.body).toBe('{"version":"4"}');
    expect(got?.headers).toMatchObject({
      "content-type": "application/json",
      "idempotency-key": "0123abcd",
      "x-impactd-notification-id": "0123abcd",
      "x-impactd-dedup-key": "impactd/default/inc-1",
    });
  });

  it("classifies answers: 503 and 429 retry (with Retry-After), 400 is refused for good", async () => {
    expect(await failure("/busy")).toMatchObject({
      code: "RECEIVER_UNAVAILABLE",
      retryable: true,
      retryAfterMs: 7_000,
    });
    expect(await failure("/limited")).toMatchObject({
      code: "RECEIVER_UNAVAILABLE",
      retryable: true,
    });
    const bad = await failure("/bad");
    expect(bad).toMatchObject({ code: "RECEIVER_REJECTED", retryable: false });
    expect(bad.message).toContain('answered 400: {"message":"Event object is invalid"}');
  });

  it("a receiver that is down or too slow is retried", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await new HttpTransport(2_000)
      .send({ ...row("/"), address: `http://127.0.0.1:${port}/` }, new AbortController().signal)
      .catch((e: DeliveryError) => e);
    expect(down).toMatchObject({ code: "RECEIVER_UNREACHABLE", retryable: true });
    expect((down as DeliveryError).message).toContain("ECONNREFUSED");
    expect(await failure("/slow", 200)).toMatchObject({
      code: "DELIVERY_TIMEOUT",
      retryable: true,
    });
  });

  it("a stop aborts the request with the stop's reason, not a delivery error", async () => {
    const ac = new AbortController();
    const sending = new HttpTransport(5_000).send(row("/slow"), ac.signal);
    const reason = new Error("impactd is stopping");
    setTimeout(() => ac.abort(reason), 50);
    await expect(sending).rejects.toBe(reason);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-02T12:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Mon, 02 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
