// Subject layout of the NATS front end: `<prefix>.<tenant>[.<kind>[...]]`.
// The tenant token says whose events a message carries (NATS permissions on
// subjects can then confine a publisher to its tenant); the tokens after it
// are for routing, filtering and permissions only: impactd reads the kind
// from the payload.
import { NAME_PATTERN, type Problem, RejectCode } from "../../pipeline/validate.js";

/** eventSubject is the subject to publish a tenant's events on. */
export function eventSubject(prefix: string, tenant: string, kind?: string): string {
  return kind === undefined ? `${prefix}.${tenant}` : `${prefix}.${tenant}.${kind}`;
}

/** SubjectParts is what a subject says about its messages. */
export interface SubjectParts {
  tenant: string;
  /** The token after the tenant, or "" when there is none. */
  kind: string;
}

/** parseSubject reads the tenant (and kind) of a subject under `prefix`. */
export function parseSubject(prefix: string, subject: string): SubjectParts | Problem {
  if (!subject.startsWith(`${prefix}.`)) {
    return {
      code: RejectCode.InvalidName,
      reason: `subject ${JSON.stringify(subject)} is not under ${prefix}.<tenant>`,
    };
  }
  const rest = subject.slice(prefix.length + 1).split(".");
  const tenant = rest[0] ?? "";
  if (!NAME_PATTERN.test(tenant)) {
    return {
      code: RejectCode.InvalidName,
      reason: `subject ${JSON.stringify(subject)}: tenant token ${JSON.stringify(tenant)} is not a valid tenant name`,
    };
  }
  return { tenant, kind: rest[1] ?? "" };
}
