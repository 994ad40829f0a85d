// TLS material for the front ends: bad files are refused at start naming the
// config key; the https options the HTTP front end uses refuse plaintext and,
// with a client CA, clients without a certificate (401/403 mapping too).
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpStatusOf,
  httpsServerOptions,
  loadTls,
  PermissionDeniedError,
  UnauthenticatedError,
} from "../../src/security/index.js";
import { makeCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => {
  if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
});

const tlsConfig = (over: Partial<{ certFile: string; keyFile: string; clientCaFile: string }>) => ({
  certFile: certs.serverCert,
  keyFile: certs.serverKey,
  clientCaFile: undefined,
  key: "http.tls",
  ...over,
});

function get(
  port: number,
  opts: { tls: boolean; ca?: Buffer; cert?: Buffer; key?: Buffer },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (opts.tls ? httpsRequest : httpRequest)(
      {
        host: "127.0.0.1",
        port,
        path: "/healthz",
        servername: "localhost",
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        ...(opts.cert === undefined ? {} : { cert: opts.cert, key: opts.key }),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function serve(opts: ReturnType<typeof httpsServerOptions>) {
  const server = createServer(opts, (_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => new Promise((r) => server.close(r)) };
}

describe("loadTls", () => {
  it("names the config key of a missing, broken or mismatched file", () => {
    expect(() => loadTls(tlsConfig({ certFile: "/nonexistent.pem" }))).toThrow(
      /config http\.tls\.cert_file: cannot read \/nonexistent\.pem/,
    );
    const junk = join(certs.dir, "junk.pem");
    writeFileSync(junk, "not a certificate");
    expect(() => loadTls(tlsConfig({ certFile: junk }))).toThrow(
      /config http\.tls\.cert_file: .* is not a PEM certificate/,
    );
    // The client's key does not belong to the server certificate.
    const other = join(certs.dir, "other.key");
    copyFileSync(certs.clientKey, other);
    expect(() => loadTls(tlsConfig({ keyFile: other }))).toThrow(
      /config http\.tls\.key_file: .* does not match the certificate/,
    );
    expect(() => loadTls(tlsConfig({ clientCaFile: junk }))).toThrow(/client_ca_file/);
  });
});

describe("https options for the HTTP front end", () => {
  it("serves TLS only", async () => {
    const s = await serve(httpsServerOptions(loadTls(tlsConfig({}))));
    const ca = readFileSync(certs.caCert);
    expect(await get(s.port, { tls: true, ca })).toBe(200);
    await expect(get(s.port, { tls: false })).rejects.toThrow();
    await expect(get(s.port, { tls: true, ca: readFileSync(certs.otherCaCert) })).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );
    await s.close();
  });

  it("with a client CA, refuses clients without a certificate it signed", async () => {
    const s = await serve(httpsServerOptions(loadTls(tlsConfig({ clientCaFile: certs.caCert }))));
    const ca = readFileSync(certs.caCert);
    await expect(get(s.port, { tls: true, ca })).rejects.toThrow();
    expect(
      await get(s.port, {
        tls: true,
        ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      }),
    ).toBe(200);
    await s.close();
  });

  it("maps auth failures to 401 and 403", () => {
    expect(httpStatusOf(new UnauthenticatedError("x"))).toBe(401);
    expect(httpStatusOf(new PermissionDeniedError("x"))).toBe(403);
  });
});
