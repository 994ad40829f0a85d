// Throw-away certificates for TLS tests, made with the openssl CLI in a temp
// directory at test time (no key is ever committed): a CA, a server
// certificate for 127.0.0.1/localhost, and a client certificate, both signed
// by the CA; plus a second, unrelated CA for negative tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** TestCerts are the paths of the generated PEM files. */
export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaCert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

function ca(dir: string, name: string): void {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
}

function leaf(dir: string, name: string, signer: string, ext: string): void {
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.pem`,
      "-CAkey",
      `${signer}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    ],
    dir,
  );
}

/** makeCerts generates a fresh set of certificates. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "impactd-certs-"));
  ca(dir, "test-ca");
  ca(dir, "other-ca");
  leaf(
    dir,
    "server",
    "test-ca",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  leaf(dir, "client", "test-ca", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caCert: join(dir, "test-ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
    otherCaCert: join(dir, "other-ca.pem"),
  };
}
