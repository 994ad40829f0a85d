// Bearer-token authentication shared by every front end (gRPC metadata, HTTP
// headers, NATS headers): a token maps to a name, a tenant and roles. Tokens
// are kept as SHA-256 digests and compared in constant time against every
// configured digest, so neither timing nor an early exit tells which matched.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  ANY_TENANT,
  type AuthConfig,
  type ClientLimits,
  defaultLimits,
  ROLES,
  type Role,
} from "../config/security.js";
import { DEFAULT_TENANT } from "../pipeline/pipeline.js";
import { PermissionDeniedError, UnauthenticatedError } from "./errors.js";

/** Identity is who is calling, after authentication. */
export interface Identity {
  /** Token name, or the peer address when auth is off. Rate limits key on it. */
  readonly name: string;
  /** Tenant the caller is bound to; undefined lets requests choose (auth off, or tenant "*"). */
  readonly tenant: string | undefined;
  readonly roles: ReadonlySet<Role>;
  /** The caller's limits (its token's, else the `limits` section's). */
  readonly limits: ClientLimits;
  /** False when auth is off. */
  readonly authenticated: boolean;
}

/** HeaderSource is HTTP headers (node's lower-cased object), gRPC Metadata or NATS headers. */
export type HeaderSource =
  | Record<string, string | string[] | undefined>
  | { get(key: string): (string | Buffer)[] | string | undefined };

interface Entry {
  sha256: Buffer;
  identity: Identity;
}

function header(h: HeaderSource, key: string): string | undefined {
  if (typeof (h as { get?: unknown }).get === "function") {
    // gRPC Metadata answers a list; NATS MsgHdrs a string ("" when absent).
    const got = (h as { get(key: string): unknown }).get(key);
    const v = Array.isArray(got) ? got[0] : got;
    return v === undefined || v === "" ? undefined : String(v);
  }
  const v = (h as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(v) ? v[0] : v;
}

/** bearerToken extracts the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(h: HeaderSource): string | undefined {
  const v = header(h, "authorization");
  const m = v === undefined ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(v);
  return m?.[1];
}

/** Authenticator turns request headers into an Identity. */
export class Authenticator {
  private readonly entries: Entry[];
  private readonly limits: ClientLimits;

  constructor(
    private readonly auth: AuthConfig,
    limits: ClientLimits = defaultLimits(),
  ) {
    this.limits = { ...limits };
    this.entries = auth.tokens.map((t) => ({
      sha256: t.sha256,
      identity: {
        name: t.name,
        tenant: t.tenant === ANY_TENANT ? undefined : t.tenant,
        roles: new Set(t.roles.includes("admin") ? ROLES : t.roles),
        limits: { ...this.limits, ...t.limits },
        authenticated: true,
      },
    }));
  }

  /** enabled tells whether calls need a token. */
  get enabled(): boolean {
    return this.auth.enabled;
  }

  /**
   * authenticate returns the caller's identity, or an UnauthenticatedError
   * when auth is on and the token is missing or unknown. `peer` names the
   * client when auth is off (rate-limit key).
   */
  authenticate(headers: HeaderSource, peer = "anonymous"): Identity | UnauthenticatedError {
    if (!this.auth.enabled) {
      return {
        name: peer,
        tenant: undefined,
        roles: new Set(ROLES),
        limits: this.limits,
        authenticated: false,
      };
    }
    const token = bearerToken(headers);
    if (token === undefined)
      return new UnauthenticatedError("missing bearer token (Authorization: Bearer <token>)");
    const digest = createHash("sha256").update(token).digest();
    let found: Identity | undefined;
    for (const e of this.entries) {
      // No early exit: every entry is compared.
      if (timingSafeEqual(digest, e.sha256) && found === undefined) found = e.identity;
    }
    return found ?? new UnauthenticatedError("unknown bearer token");
  }

  /** authorize throws PermissionDeniedError unless the identity holds `role`. */
  authorize(identity: Identity, role: Role): void {
    if (!identity.roles.has(role)) {
      throw new PermissionDeniedError(
        `${identity.name} may not do this: needs role ${role} (has ${[...identity.roles].join(", ") || "none"})`,
      );
    }
  }
}

/**
 * tenantFor is the tenant a call acts on: the identity's own tenant when it
 * is bound to one (whatever the request says), else the requested one.
 */
export function tenantFor(identity: Identity, requested: string): string {
  return identity.tenant ?? (requested === "" ? DEFAULT_TENANT : requested);
}
