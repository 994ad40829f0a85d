// The one object every front end checks calls against: who is calling
// (bearer token -> identity, tenant, roles) and whether the client may send
// this much (message size, batch size, rate). gRPC, HTTP and NATS front ends
// share one instance per process, so a client's rate is one budget.
import type { AuthConfig, LimitsConfig, Role } from "../config/security.js";
import { defaultLimits } from "../config/security.js";
import { Authenticator, type HeaderSource, type Identity, tenantFor } from "./auth.js";
import type { UnauthenticatedError } from "./errors.js";
import { checkSize, RateLimiter } from "./limits.js";

/** Security authenticates callers and enforces per-client limits. */
export class Security {
  constructor(
    readonly auth: Authenticator,
    readonly limiter: RateLimiter,
  ) {}

  /** fromConfig builds the process's Security from the `auth` and `limits` sections. */
  static fromConfig(auth: AuthConfig, limits: LimitsConfig): Security {
    return new Security(new Authenticator(auth, limits), new RateLimiter(limits.maxTrackedClients));
  }

  /** open is auth off with default limits (tests, the demo). */
  static open(): Security {
    return Security.fromConfig({ enabled: false, tokens: [] }, defaultLimits());
  }

  /**
   * authenticate returns the caller's identity or an UnauthenticatedError
   * (answer 401 / UNAUTHENTICATED). `peer` names the client when auth is off.
   */
  authenticate(headers: HeaderSource, peer?: string): Identity | UnauthenticatedError {
    return this.auth.authenticate(headers, peer);
  }

  /** authorize throws PermissionDeniedError (403 / PERMISSION_DENIED) without the role. */
  authorize(identity: Identity, role: Role): void {
    this.auth.authorize(identity, role);
  }

  /**
   * admit charges one batch to the client, or throws LimitExceededError
   * (429 / RESOURCE_EXHAUSTED; its `reject` is the code to record).
   */
  admit(identity: Identity, bytes: number, events: number): void {
    checkSize(identity.name, identity.limits, bytes, events);
    this.limiter.check(identity.name, identity.limits, events);
  }

  /** tenant is the tenant a call acts on: the identity's own, else the requested one. */
  tenant(identity: Identity, requested: string): string {
    return tenantFor(identity, requested);
  }
}
