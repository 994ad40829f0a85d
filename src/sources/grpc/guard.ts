// Authentication, authorization and error mapping for gRPC handlers: every
// impactd.v1 call goes through here, so a missing token is UNAUTHENTICATED
// and a missing role PERMISSION_DENIED the same way on every method.
import {
  Metadata,
  type ServerUnaryCall,
  type StatusObject,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type { Role } from "../../config/security.js";
import { ImpactdError } from "../../errors.js";
import type { Authenticator, Identity } from "../../security/auth.js";
import { grpcStatusOf, LimitExceededError, OverloadedError } from "../../security/errors.js";
import type { RateLimiter } from "../../security/limits.js";
import { Security } from "../../security/security.js";

/** GrpcSecurity is what the gRPC front end checks calls against (a Security fits). */
export interface GrpcSecurity {
  auth: Authenticator;
  limiter: RateLimiter;
}

/** openSecurity is auth off and default limits (tests, demo). */
export function openSecurity(): GrpcSecurity {
  return Security.open();
}

/** peerHost is the client's address without the port ("ipv4:1.2.3.4:5" -> "1.2.3.4"). */
export function peerHost(peer: string): string {
  const m = /^(?:ipv[46]:)?\[?([^\]]*?)\]?(?::\d+)?$/.exec(peer);
  return m?.[1] || peer;
}

/** identify authenticates a call and checks that it holds `role`; throws on failure. */
export function identify(
  call: { metadata: Metadata; getPeer(): string },
  security: GrpcSecurity,
  role: Role,
): Identity {
  const id = security.auth.authenticate(call.metadata, peerHost(call.getPeer()));
  if (id instanceof ImpactdError) throw id;
  security.auth.authorize(id, role);
  return id;
}

/** toStatus turns an error into the status a call ends with. */
export function toStatus(err: unknown): Partial<StatusObject> {
  const code = grpcStatusOf(err);
  const details =
    err instanceof ImpactdError
      ? err.message
      : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  const metadata = new Metadata();
  if (
    (err instanceof LimitExceededError || err instanceof OverloadedError) &&
    err.retryAfterMs > 0
  ) {
    metadata.set("retry-after-ms", String(err.retryAfterMs));
  }
  if (code === status.INTERNAL) console.error(`impactd: gRPC handler failed: ${details}`);
  return { code, details, metadata };
}

/** unary builds a unary handler that authenticates, checks `role` and maps errors. */
export function unary<Req, Res>(
  security: GrpcSecurity,
  role: Role,
  fn: (req: Req, identity: Identity) => Res | Promise<Res>,
) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let identity: Identity;
    try {
      identity = identify(call, security, role);
    } catch (err) {
      callback(toStatus(err));
      return;
    }
    Promise.resolve()
      .then(() => fn(call.request, identity))
      .then(
        (res) => callback(null, res),
        (err: unknown) => callback(toStatus(err)),
      );
  };
}
