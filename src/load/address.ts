// Load targets: "host:port", "[v6]:port", "nats://host:port" or
// "http://host:port". Load goes to loopback unless the operator says
// otherwise, so a mistyped address cannot flood someone else's server.
import { isIP } from "node:net";
import { InvalidArgumentError } from "../errors.js";

/** Target is a parsed load target. */
export interface Target {
  host: string;
  port: number;
  /** The address as the protocol's client wants it (host:port, nats://..., http://...). */
  address: string;
}

/** isLoopback says whether `host` is a loopback name or address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || h.startsWith("::ffff:127.");
  return false;
}

/** parseTarget reads a target for a protocol ("grpc", "nats", "http"), refusing non-loopback hosts unless allowed. */
export function parseTarget(
  text: string,
  scheme: "grpc" | "nats" | "http",
  allowRemote: boolean,
): Target {
  const t = text.trim();
  const m = /^(?:([a-z]+):\/\/)?(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/i.exec(t);
  if (m === null) {
    throw new InvalidArgumentError(
      `--target ${JSON.stringify(text)}: expected host:port (e.g. 127.0.0.1:7070)`,
    );
  }
  const given = m[1]?.toLowerCase();
  if (given !== undefined && given !== scheme && !(scheme === "http" && given === "https")) {
    throw new InvalidArgumentError(
      `--target ${JSON.stringify(text)}: scheme ${given}:// does not fit this protocol (${scheme})`,
    );
  }
  const host = m[2] as string;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `--target ${JSON.stringify(text)}: port ${port} is out of range`,
    );
  }
  if (!allowRemote && !isLoopback(host)) {
    throw new InvalidArgumentError(
      `--target ${JSON.stringify(text)}: ${host} is not a loopback address; load goes to loopback only unless you pass --allow-remote`,
    );
  }
  const hostPort = `${host}:${port}`;
  const address =
    scheme === "nats"
      ? `nats://${hostPort}`
      : scheme === "http"
        ? `${given === "https" ? "https" : "http"}://${hostPort}`
        : hostPort;
  return { host, port, address };
}
