// Identities that survive restarts: everything a receiver de-duplicates on
// is derived from the incident and the change, never from process state.
import { createHash } from "node:crypto";

const sha256 = (parts: readonly (string | number)[]) =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex");

/**
 * notificationId identifies one notification to one target: the same change
 * of the same incident version to the same target always gets the same id,
 * so a resend after a restart (or by a replay) carries the same id.
 */
export function notificationId(
  tenant: string,
  incidentId: string,
  change: string,
  version: number,
  team: string,
  target: string,
): string {
  return sha256([tenant, incidentId, change, version, team, target]).slice(0, 32);
}

/** PagerDuty's limit on dedup_key. */
const MAX_DEDUP_KEY = 255;

/**
 * incidentDedupKey is the per-incident key receivers group on (PagerDuty's
 * dedup_key, the Alertmanager groupKey): every notification about one incident
 * carries it, so trigger, acknowledge and resolve land on one alert.
 */
export function incidentDedupKey(tenant: string, incidentId: string): string {
  const key = `impactd/${tenant}/${incidentId}`;
  return key.length <= MAX_DEDUP_KEY ? key : `impactd/${sha256([tenant, incidentId])}`;
}

/** alertFingerprint is an Alertmanager-style 16-hex-digit fingerprint of an incident. */
export function alertFingerprint(tenant: string, incidentId: string): string {
  return sha256([tenant, incidentId]).slice(0, 16);
}
