// TLS material for the front ends: certificate files read and checked once at
// start (a bad file is named by its config key), then turned into gRPC server
// credentials or node https options. With a client CA, clients must present a
// certificate it signed (mTLS).
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerOptions as HttpsServerOptions } from "node:https";
import { ServerCredentials } from "@grpc/grpc-js";
import type { TlsConfig } from "../config/security.js";
import { InvalidArgumentError } from "../errors.js";

/** TlsMaterial is loaded, checked certificate material. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Client CA bundle; set means mTLS. */
  clientCa: Buffer | undefined;
  /** Subject of the server certificate, for start-up output. */
  subject: string;
}

function read(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InvalidArgumentError(`config ${key}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** loadTls reads and checks the files a `tls` section names. */
export function loadTls(cfg: TlsConfig): TlsMaterial {
  const cert = read(cfg.certFile, `${cfg.key}.cert_file`);
  const key = read(cfg.keyFile, `${cfg.key}.key_file`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new InvalidArgumentError(
      `config ${cfg.key}.cert_file: ${cfg.certFile} is not a PEM certificate: ${(err as Error).message}`,
    );
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      throw new InvalidArgumentError(
        `config ${cfg.key}.key_file: ${cfg.keyFile} does not match the certificate ${cfg.certFile}`,
      );
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(
      `config ${cfg.key}.key_file: ${cfg.keyFile} is not a PEM private key: ${(err as Error).message}`,
    );
  }
  let clientCa: Buffer | undefined;
  if (cfg.clientCaFile !== undefined) {
    clientCa = read(cfg.clientCaFile, `${cfg.key}.client_ca_file`);
    try {
      new X509Certificate(clientCa);
    } catch (err) {
      throw new InvalidArgumentError(
        `config ${cfg.key}.client_ca_file: ${cfg.clientCaFile} is not a PEM certificate: ${(err as Error).message}`,
      );
    }
  }
  return { cert, key, clientCa, subject: x509.subject.replace(/\n/g, ", ") };
}

/** grpcServerCredentials is TLS (or mTLS) credentials, or plaintext without material. */
export function grpcServerCredentials(m: TlsMaterial | undefined): ServerCredentials {
  if (m === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    m.clientCa ?? null,
    [{ private_key: m.key, cert_chain: m.cert }],
    m.clientCa !== undefined,
  );
}

/** httpsServerOptions are node https options for the same material. */
export function httpsServerOptions(m: TlsMaterial): HttpsServerOptions {
  return {
    cert: m.cert,
    key: m.key,
    ...(m.clientCa === undefined ? {} : { ca: m.clientCa, requestCert: true }),
    rejectUnauthorized: m.clientCa !== undefined,
    minVersion: "TLSv1.2",
  };
}

/** describeTls says how a front end is secured, for `serve` output. */
export function describeTls(m: TlsMaterial | undefined): string {
  if (m === undefined) return "plaintext";
  return m.clientCa === undefined ? `TLS (${m.subject})` : `mTLS (${m.subject}; client CA)`;
}
