// Options shared by the commands that talk to a running server (ack,
// resolve, incidents): where it is, how to authenticate, how to print.
import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { status } from "@grpc/grpc-js";
import { type ClientTls, ImpactdClient } from "../../client/client.js";
import { DEFAULT_GRPC_PORT } from "../../config/config.js";
import { ImpactdError, InvalidArgumentError } from "../../errors.js";

/** DEFAULT_SERVER is the address used without --server or IMPACTD_SERVER. */
export const DEFAULT_SERVER = `127.0.0.1:${DEFAULT_GRPC_PORT}`;

/** CONNECT_HELP documents the connection options, for each command's --help. */
export const CONNECT_HELP = `Connection (also from the environment):
  --server ADDR        host:port of the gRPC API ($IMPACTD_SERVER, default ${DEFAULT_SERVER})
  --token TOKEN        bearer token ($IMPACTD_TOKEN)
  --tenant NAME        tenant to act on (default: the token's, else "default")
  --tls                connect with TLS using the system CAs
  --ca FILE            connect with TLS; the server certificate must chain to FILE
  --cert FILE --key FILE
                       client certificate for mTLS
  --server-name NAME   name to check the server certificate against`;

/** CONNECT_OPTIONS are the parseArgs options of CONNECT_HELP. */
export const CONNECT_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  tenant: { type: "string" },
  tls: { type: "boolean" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "server-name": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

/** Values is what parseArgs returns for our options. */
export type Values = Record<string, string | boolean | undefined>;

/** parse runs parseArgs, turning its errors into usage errors (exit 2). */
export function parse(
  argv: string[],
  options: ParseArgsConfig["options"],
  positionals: boolean,
): { values: Values; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: positionals,
      options: { ...CONNECT_OPTIONS, ...options },
    });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function file(path: string | boolean | undefined, flag: string): Buffer | undefined {
  if (typeof path !== "string") return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InvalidArgumentError(`--${flag} ${path}: ${(err as Error).message}`);
  }
}

/** connect builds a client from the connection options and the environment. */
export function connect(v: Values, env: NodeJS.ProcessEnv = process.env): ImpactdClient {
  const server = (v.server as string | undefined) ?? env.IMPACTD_SERVER ?? DEFAULT_SERVER;
  if (!/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(server))
    throw new InvalidArgumentError(`--server ${JSON.stringify(server)}: expected host:port`);
  const token = (v.token as string | undefined) ?? env.IMPACTD_TOKEN;
  if ((v.cert === undefined) !== (v.key === undefined))
    throw new InvalidArgumentError("--cert and --key go together");
  const ca = file(v.ca, "ca");
  const cert = file(v.cert, "cert");
  const key = file(v.key, "key");
  const useTls = v.tls === true || ca !== undefined || cert !== undefined;
  const tls: ClientTls = {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(typeof v["server-name"] === "string" ? { serverName: v["server-name"] } : {}),
  };
  return new ImpactdClient(server, {
    ...(token === undefined || token === "" ? {} : { token }),
    ...(useTls ? { tls } : {}),
  });
}

/** ServerError is a failed call, named by its gRPC status. */
export class ServerError extends ImpactdError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** serverError turns a gRPC error into a readable ServerError. */
export function serverError(err: unknown, server: string): ImpactdError {
  if (err instanceof ImpactdError) return err;
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e.code !== "number") return new ServerError("INTERNAL", String(e.message ?? err));
  const name = status[e.code] ?? String(e.code);
  if (e.code === status.UNAVAILABLE)
    return new ServerError(name, `cannot reach impactd at ${server}: ${e.details ?? e.message}`);
  if (e.code === status.UNAUTHENTICATED)
    return new ServerError(name, `${e.details}: pass --token or set IMPACTD_TOKEN`);
  return new ServerError(name, `${name}: ${e.details ?? e.message}`);
}

/** withClient runs `fn` with a connected client, closing it and mapping errors. */
export async function withClient<T>(v: Values, fn: (c: ImpactdClient) => Promise<T>): Promise<T> {
  const client = connect(v);
  try {
    return await fn(client);
  } catch (err) {
    throw serverError(err, client.address);
  } finally {
    client.close();
  }
}
