// NATS credentials: impactd connects to an authenticated nats-server with a
// token, user/password, an nkey seed file or a creds file (operator mode,
// JWTs made with @nats-io/jwt), consumes through JetStream, and refuses to
// start with wrong credentials, saying why.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAccount,
  createOperator,
  createUser,
  defaultNatsLimits,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
} from "@nats-io/jwt";
import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  headers,
  nkeyAuthenticator,
  nkeys,
} from "nats";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../src/config/config.js";
import type { NatsConfig } from "../../src/config/nats.js";
import { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import { Security } from "../../src/security/index.js";
import { startNatsSource } from "../../src/sources/nats/index.js";
import { MemorySink, waitFor } from "../helpers/memory-sink.js";
import { type NatsServerAuth, startNatsServer } from "../helpers/nats-server.js";

const ACME = "token-for-acme-0123456789";
const READER = "token-for-reader-0123456789";
const dir = mkdtempSync(join(tmpdir(), "impactd-nats-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event: Event = {
  tsUnixMs: Date.now() - 60_000,
  source: "auth-test",
  tenant: "",
  id: "auth-1",
  kind: { $case: "healthCheck", value: { service: "cart", status: 1, message: "" } },
};

/** roundTrip starts a server with `auth`, has impactd consume one event with `creds`. */
async function roundTrip(
  auth: NatsServerAuth,
  creds: Partial<NatsConfig>,
  publisher: Partial<ConnectionOptions>,
  wrong: Partial<NatsConfig>,
): Promise<void> {
  const server = await startNatsServer({ auth });
  try {
    const config: NatsConfig = {
      ...defaultConfig().nats,
      enabled: true,
      url: server.url,
      ...creds,
    };
    const sink = new MemorySink();
    const source = await startNatsSource({ pipeline: new Pipeline({ sink }), config });
    const nc = await connect({ servers: server.url, ...publisher });
    await nc
      .jetstream()
      .publish("impactd.events.default.health_check", Event.encode(event).finish());
    await waitFor(() => sink.events.length === 1, "the event");
    expect(sink.events[0]?.event_id).toBe("auth-1");
    await nc.close();
    await source.close();
    await expect(
      startNatsSource({ pipeline: new Pipeline({ sink }), config: { ...config, ...wrong } }),
    ).rejects.toThrow(/cannot connect to NATS at .*authorization refused/);
  } finally {
    await server.stop();
  }
}

describe("NATS credentials", () => {
  it("uses a token", async () => {
    await roundTrip(
      { token: "s3cret" },
      { token: "s3cret" },
      { token: "s3cret" },
      { token: "nope" },
    );
  });

  it("uses user and password", async () => {
    await roundTrip(
      { user: "impactd", password: "pw" },
      { user: "impactd", password: "pw" },
      { user: "impactd", pass: "pw" },
      { user: "impactd", password: "wrong" },
    );
  });

  it("uses an nkey seed file", async () => {
    const kp = nkeys.createUser();
    const seedFile = join(dir, "user.nk");
    writeFileSync(seedFile, new TextDecoder().decode(kp.getSeed()));
    const other = join(dir, "other.nk");
    writeFileSync(other, new TextDecoder().decode(nkeys.createUser().getSeed()));
    await roundTrip(
      { nkey: kp.getPublicKey() },
      { nkeySeedFile: seedFile },
      { authenticator: nkeyAuthenticator(kp.getSeed()) },
      { nkeySeedFile: other },
    );
  });

  it("uses a creds file (operator JWT mode)", async () => {
    const operator = createOperator();
    const system = createAccount();
    const account = createAccount();
    // Unlimited: a JWT without limits allows nothing.
    const limits = {
      ...defaultNatsLimits(),
      conn: -1,
      leaf: -1,
      imports: -1,
      exports: -1,
      wildcards: true,
      mem_storage: -1,
      disk_storage: -1,
      streams: -1,
      consumer: -1,
    };
    const accounts: Record<string, string> = {
      [system.getPublicKey()]: await encodeAccount("SYS", system, {}, { signer: operator }),
      [account.getPublicKey()]: await encodeAccount(
        "IMPACTD",
        account,
        { limits },
        { signer: operator },
      ),
    };
    const credsFor = async (name: string, issuer: typeof account) => {
      const u = createUser();
      const file = join(dir, `${name}.creds`);
      writeFileSync(file, fmtCreds(await encodeUser(name, u, issuer), u));
      return file;
    };
    const creds = await credsFor("impactd", account);
    const stranger = await credsFor("stranger", createAccount()); // unknown account
    await roundTrip(
      {
        operatorJwt: await encodeOperator("OP", operator),
        systemAccount: system.getPublicKey(),
        accounts,
      },
      { credsFile: creds },
      { authenticator: credsAuthenticator(new Uint8Array(readFileSync(creds))) },
      { credsFile: stranger },
    );
  });

  it("with auth on, takes only messages whose bearer token may feed the subject's tenant", async () => {
    const server = await startNatsServer();
    try {
      const c = parseConfig({
        auth: {
          enabled: true,
          tokens: [
            { name: "acme-feeder", token: ACME, tenant: "acme", roles: ["ingest"] },
            { name: "reader", token: READER, tenant: "*", roles: ["read"] },
          ],
        },
      });
      const sink = new MemorySink();
      const source = await startNatsSource({
        pipeline: new Pipeline({ sink }),
        config: { ...c.nats, enabled: true, url: server.url },
        security: Security.fromConfig(c.auth, c.limits),
        log: () => {},
      });
      const nc = await connect({ servers: server.url });
      const js = nc.jetstream();
      const send = (subject: string, token: string | undefined, id: string) => {
        const h = headers();
        if (token !== undefined) h.set("Authorization", `Bearer ${token}`);
        return js.publish(subject, Event.encode({ ...event, id }).finish(), { headers: h });
      };
      await send("impactd.events.acme", ACME, "ok");
      await send("impactd.events.acme", undefined, "no-token");
      await send("impactd.events.acme", "not-a-token-at-all-000", "bad-token");
      await send("impactd.events.other", ACME, "other-tenant");
      await send("impactd.events.acme", READER, "no-ingest-role");
      await waitFor(() => (source.stats().jetstream?.termed ?? 0) === 4, "four refusals");
      expect(source.stats().jetstream?.acked).toBe(1);
      expect(sink.events.map((r) => [r.event_id, r.tenant])).toEqual([["ok", "acme"]]);
      expect(sink.rejections.map((r) => r.code).sort()).toEqual([
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
      ]);
      // A core NATS request learns why.
      const res = await nc.request("impactd.core.acme", Event.encode(event).finish(), {
        timeout: 10_000,
      });
      expect(res.json<{ error: string }>().error).toMatch(/UNAUTHENTICATED/);
      await nc.close();
      await source.close();
    } finally {
      await server.stop();
    }
  });
});
