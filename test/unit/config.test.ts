// The service config: defaults, IMPACTD_* overrides derived from key paths,
// errors that name the bad key, and docs/CONFIG.md documenting every key.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ConfigKey,
  DEFAULT_GRPC_PORT,
  DEFAULT_MAX_MESSAGE_BYTES,
  defaultConfig,
  parseConfig,
} from "../../src/config/index.js";
import { notifierOptions } from "../../src/server/runtime.js";

const TOKEN = "a-token-of-twenty-chars";

describe("parseConfig", () => {
  it("gives every default for an empty file", () => {
    expect(parseConfig({})).toEqual(defaultConfig());
    expect(parseConfig(null).grpc.port).toBe(DEFAULT_GRPC_PORT);
    expect(parseConfig({}).limits.maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    expect(parseConfig({}).grpc.tls).toBeUndefined();
  });

  it("lets IMPACTD_* variables override any key, with units", () => {
    const c = parseConfig(
      { grpc: { port: 1 }, auth: { tokens: [{ name: "a", token: TOKEN }] } },
      {
        IMPACTD_GRPC_PORT: "9000",
        IMPACTD_GRPC_TLS_CERT_FILE: "/c.pem",
        IMPACTD_GRPC_TLS_KEY_FILE: "/k.pem",
        IMPACTD_AUTH_ENABLED: "true",
        IMPACTD_LIMITS_MAX_MESSAGE_BYTES: "1MiB",
        IMPACTD_LIMITS_OVERLOAD_WAIT_MS: "2s",
        IMPACTD_CORE_LATENESS_MS: "1500",
        IMPACTD_DATA_DIR: "/data",
      },
    );
    expect(c.grpc.port).toBe(9000);
    expect(c.grpc.tls).toEqual({
      certFile: "/c.pem",
      keyFile: "/k.pem",
      clientCaFile: undefined,
      key: "grpc.tls",
    });
    expect(c.auth.enabled).toBe(true);
    expect(c.limits.maxMessageBytes).toBe(1_048_576);
    expect(c.limits.overloadWaitMs).toBe(2_000);
    expect(c.core.latenessMs).toBe(1_500);
    expect(c.dataDir).toBe("/data");
  });

  it("reads the notify section, and nats targets use the nats section's server", () => {
    const c = parseConfig(
      {
        notify: { group_wait: "2m", max_attempts: 3 },
        nats: { enabled: true, url: "nats://127.0.0.1:4999" },
      },
      { IMPACTD_NOTIFY_RETRY_MAX: "1m" },
    );
    expect(c.notify.groupWaitMs).toBe(120_000);
    expect(c.notify.maxAttempts).toBe(3);
    expect(c.notify.retryMaxMs).toBe(60_000);
    expect(() => parseConfig({ notify: { group_wiat: "1s" } })).toThrow(/notify\.group_wiat/);
    const o = notifierOptions(c, { maxAttempts: 5 });
    expect(o.maxAttempts).toBe(5);
    expect(o.groupWaitMs).toBe(120_000);
    expect(o.nats?.servers).toContain("nats://127.0.0.1:4999");
    expect(notifierOptions(parseConfig({})).nats).toBeUndefined();
  });

  it("keeps tokens only as digests, bound to a tenant with roles and own limits", () => {
    const c = parseConfig({
      auth: {
        enabled: true,
        tokens: [
          {
            name: "feeder",
            token: TOKEN,
            tenant: "acme",
            roles: ["ingest"],
            limits: { rate_events_per_sec: 10 },
          },
          { name: "ops", token_sha256: "ab".repeat(32), tenant: "*", roles: "admin" },
        ],
      },
    });
    const [feeder, ops] = c.auth.tokens;
    expect(feeder?.sha256).toEqual(createHash("sha256").update(TOKEN).digest());
    expect(feeder?.tenant).toBe("acme");
    expect(feeder?.limits).toEqual({ rateEventsPerSec: 10 });
    expect(ops?.roles).toEqual(["admin"]);
    expect(JSON.stringify(c)).not.toContain(TOKEN);
  });

  const bad: [string, unknown, NodeJS.ProcessEnv, RegExp][] = [
    ["unknown top-level key", { grpcc: {} }, {}, /config grpcc: unknown key/],
    [
      "unknown nested key",
      { grpc: { prot: 1 } },
      {},
      /config grpc\.prot: unknown key \(expected one of host, port, tls, watch_history\)/,
    ],
    [
      "port out of range",
      { grpc: { port: 70000 } },
      {},
      /config grpc\.port: expected an integer in \[0, 65535\], got 70000/,
    ],
    ["bad env value", {}, { IMPACTD_GRPC_PORT: "http" }, /config grpc\.port: .*"http"/],
    ["section not a mapping", { limits: 5 }, {}, /config limits: expected a mapping/],
    [
      "cert without key",
      { http: { tls: { cert_file: "/c" } } },
      {},
      /config http\.tls\.key_file: required/,
    ],
    ["bad size", { limits: { max_message_bytes: "lots" } }, {}, /config limits\.max_message_bytes/],
    ["bad duration", { core: { lateness_ms: "soon" } }, {}, /config core\.lateness_ms/],
    ["bad bool", { auth: { enabled: "yes" } }, {}, /config auth\.enabled: expected true or false/],
    ["unknown sink", { sink: { kind: "kafka" } }, {}, /config sink\.kind: expected one of chdb/],
    [
      "auth without tokens",
      { auth: { enabled: true } },
      {},
      /config auth\.tokens: auth is enabled but no token is/,
    ],
    [
      "token without name",
      { auth: { tokens: [{ token: TOKEN }] } },
      {},
      /config auth\.tokens\[0\]\.name: required/,
    ],
    [
      "two secrets",
      { auth: { tokens: [{ name: "a", token: TOKEN, token_sha256: "ab".repeat(32) }] } },
      {},
      /config auth\.tokens\[0\]: set exactly one of token/,
    ],
    ["short token", { auth: { tokens: [{ name: "a", token: "abc" }] } }, {}, /use at least 16/],
    [
      "unknown role",
      { auth: { tokens: [{ name: "a", token: TOKEN, roles: ["root"] }] } },
      {},
      /config auth\.tokens\[0\]\.roles: unknown role "root"/,
    ],
    [
      "unknown token key",
      { auth: { tokens: [{ name: "a", token: TOKEN, tennant: "x" }] } },
      {},
      /config auth\.tokens\[0\]\.tennant: unknown key/,
    ],
    [
      "duplicate names",
      {
        auth: {
          tokens: [
            { name: "a", token: TOKEN },
            { name: "a", token: `${TOKEN}2` },
          ],
        },
      },
      {},
      /config auth\.tokens\[1\]\.name: duplicate name "a"/,
    ],
    [
      "same token twice",
      {
        auth: {
          tokens: [
            { name: "a", token: TOKEN },
            { name: "b", token: TOKEN },
          ],
        },
      },
      {},
      /config auth\.tokens\[1\]: same token/,
    ],
    [
      "missing token file",
      { auth: { tokens: [{ name: "a", token_file: "/nonexistent/t" }] } },
      {},
      /config auth\.tokens\[0\]\.token_file: cannot read \/nonexistent\/t/,
    ],
  ];
  it.each(bad)("names the bad key: %s", (_label, raw, env, message) => {
    expect(() => parseConfig(raw, env)).toThrow(message);
  });
});

// Renders a documented default the way ConfigKey.default renders the code's.
function normalise(d: string): string {
  if (d === "(none)" || d === "required" || d.startsWith("limits.")) return "";
  const size = /^(\d+)MiB$/.exec(d);
  if (size !== null) return String(Number(size[1]) * 1_048_576);
  const list = /^\[(.*)\]$/.exec(d);
  if (list !== null) return (list[1] ?? "").split(/,\s*/).join(",");
  return d;
}

describe("docs/CONFIG.md", () => {
  it("documents every key the parser reads", () => {
    const keys = new Map<string, ConfigKey>();
    parseConfig(
      {
        topology: "t.yaml",
        grpc: { tls: { cert_file: "c", key_file: "k", client_ca_file: "ca" } },
        http: { tls: { cert_file: "c", key_file: "k", client_ca_file: "ca" } },
        auth: {
          tokens: [
            {
              name: "a",
              token: TOKEN,
              limits: {
                max_message_bytes: 2048,
                max_batch_events: 1,
                rate_events_per_sec: 1,
                burst_events: 1,
              },
            },
          ],
        },
      },
      {},
      keys,
    );
    const full = readFileSync("docs/CONFIG.md", "utf8");
    const doc = full.slice(full.indexOf("## Keys"));
    const rows = new Set([...doc.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string));
    const missing = [...keys.keys()].filter((k) => !rows.has(k));
    expect(missing).toEqual([]);
    // Every documented default matches the code's.
    for (const k of keys.values()) {
      const line = doc.split("\n").find((l) => l.startsWith(`| \`${k.path}\``)) ?? "";
      const documented = (line.split("|")[2] ?? "").trim().replace(/`/g, "");
      expect(normalise(documented), k.path).toBe(k.default);
    }
    expect(keys.size).toBeGreaterThan(30);
  });
});
