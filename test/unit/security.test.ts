// Authentication (tokens to identities, tenant binding, roles) and the
// per-client token buckets.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import {
  Authenticator,
  bearerToken,
  checkSize,
  LimitExceededError,
  PermissionDeniedError,
  RateLimiter,
  Security,
  TokenBucket,
  tenantFor,
  UnauthenticatedError,
} from "../../src/security/index.js";

const A = "token-for-acme-0123456789";
const OPS = "token-for-ops-0123456789";

function authenticator(enabled = true) {
  const c = parseConfig({
    limits: { rate_events_per_sec: 5 },
    auth: {
      enabled,
      tokens: [
        {
          name: "acme-feeder",
          token: A,
          tenant: "acme",
          roles: ["ingest"],
          limits: { burst_events: 7 },
        },
        { name: "ops", token: OPS, tenant: "*", roles: ["admin"] },
      ],
    },
  });
  return new Authenticator(c.auth, c.limits);
}

describe("Authenticator", () => {
  it("maps a bearer token to its name, tenant, roles and limits", () => {
    const id = authenticator().authenticate({ authorization: `Bearer ${A}` });
    if (id instanceof Error) throw id;
    expect(id.name).toBe("acme-feeder");
    expect(id.tenant).toBe("acme");
    expect([...id.roles]).toEqual(["ingest"]);
    expect(id.limits.burstEvents).toBe(7);
    expect(id.limits.rateEventsPerSec).toBe(5);
    expect(tenantFor(id, "globex")).toBe("acme");
  });

  it("lets an admin with tenant * choose, and gives admin every role", () => {
    const id = authenticator().authenticate({ authorization: `bearer  ${OPS} ` });
    if (id instanceof Error) throw id;
    expect(id.tenant).toBeUndefined();
    expect(tenantFor(id, "globex")).toBe("globex");
    expect(tenantFor(id, "")).toBe("default");
    expect(id.roles.has("respond")).toBe(true);
  });

  it("refuses missing, malformed and unknown tokens", () => {
    const auth = authenticator();
    for (const headers of [
      {},
      { authorization: A },
      { authorization: "Basic abc" },
      { authorization: `Bearer ${A}x` },
      { authorization: "Bearer " },
    ])
      expect(auth.authenticate(headers)).toBeInstanceOf(UnauthenticatedError);
  });

  it("reads gRPC metadata too, and denies a missing role", () => {
    const auth = authenticator();
    const md = { get: (k: string) => (k === "authorization" ? [`Bearer ${A}`] : []) };
    const id = auth.authenticate(md);
    if (id instanceof Error) throw id;
    expect(() => auth.authorize(id, "read")).toThrow(PermissionDeniedError);
    expect(() => auth.authorize(id, "ingest")).not.toThrow();
  });

  it("with auth off, names the caller by peer and allows everything", () => {
    const id = authenticator(false).authenticate({}, "10.0.0.1");
    if (id instanceof Error) throw id;
    expect(id.name).toBe("10.0.0.1");
    expect(id.authenticated).toBe(false);
    expect(id.roles.has("admin")).toBe(true);
  });

  it("reads NATS-style headers whose get answers a string", () => {
    const nats = { get: (k: string) => (k === "authorization" ? `Bearer ${A}` : "") };
    const id = authenticator().authenticate(nats);
    expect(id instanceof Error ? id.message : id.name).toBe("acme-feeder");
    expect(authenticator().authenticate({ get: () => "" })).toBeInstanceOf(UnauthenticatedError);
  });

  it("extracts bearer tokens only", () => {
    expect(bearerToken({ authorization: ["Bearer abc"] })).toBe("abc");
    expect(bearerToken({ authorization: "Token abc" })).toBeUndefined();
  });
});

describe("limits", () => {
  it("refills a token bucket at its rate up to its burst", () => {
    const b = new TokenBucket(10, 20, 0);
    expect(b.take(20, 0)).toBe(0);
    expect(b.take(1, 0)).toBe(100); // one token in 100 ms
    expect(b.take(5, 500)).toBe(0);
    expect(b.take(1, 500)).toBe(100);
    // More than the burst can ever hold.
    expect(b.take(30, 10_000)).toBe(Number.POSITIVE_INFINITY);
    expect(b.take(20, 10_000)).toBe(0);
  });

  it("limits each client separately and says when to retry", () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    const limits = {
      maxMessageBytes: 1e6,
      maxBatchEvents: 1e6,
      rateEventsPerSec: 100,
      burstEvents: 100,
    };
    limiter.check("a", limits, 100);
    limiter.check("b", limits, 100);
    let err: unknown;
    try {
      limiter.check("a", limits, 50);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).reject).toBe("RATE_LIMITED");
    expect((err as LimitExceededError).retryAfterMs).toBe(500);
    now = 500;
    limiter.check("a", limits, 50);
    // A third client evicts the least recently used one (b): bounded state.
    limiter.check("c", limits, 1);
    expect(limiter.size).toBe(2);
    limiter.check("x", { ...limits, rateEventsPerSec: 0 }, 1e9);
    expect(() => limiter.check("c", limits, 101)).toThrow(
      /larger than its burst of 100 events; split it/,
    );
  });

  it("checks message and batch size", () => {
    const limits = {
      maxMessageBytes: 1_000,
      maxBatchEvents: 10,
      rateEventsPerSec: 0,
      burstEvents: 1,
    };
    expect(() => checkSize("c", limits, 1_001, 1)).toThrow(/1001 bytes .* limit of 1000/);
    expect(() => checkSize("c", limits, 10, 11)).toThrow(/11 events .* limit of 10/);
    expect(() => checkSize("c", limits, 1_000, 10)).not.toThrow();
  });
});

describe("Security (what the HTTP and NATS front ends call)", () => {
  it("authenticates, authorizes, resolves the tenant and admits within limits", () => {
    const c = parseConfig({
      limits: { max_message_bytes: 2048, rate_events_per_sec: 10, burst_events: 10 },
      auth: {
        enabled: true,
        tokens: [{ name: "am", token: A, tenant: "acme", roles: ["ingest"] }],
      },
    });
    const sec = Security.fromConfig(c.auth, c.limits);
    expect(sec.authenticate({})).toBeInstanceOf(UnauthenticatedError);
    const id = sec.authenticate({ authorization: `Bearer ${A}` });
    if (id instanceof Error) throw id;
    expect(sec.tenant(id, "other")).toBe("acme");
    expect(() => sec.authorize(id, "admin")).toThrow(PermissionDeniedError);
    sec.admit(id, 100, 10);
    expect(() => sec.admit(id, 100, 1)).toThrow(/rate limit/);
    expect(() => sec.admit(id, 4096, 1)).toThrow(/4096 bytes/);
    const open = Security.open().authenticate({}, "peer");
    expect(open instanceof Error ? "" : open.name).toBe("peer");
  });
});
