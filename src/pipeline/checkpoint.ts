// Checkpoint files: one per tenant, a gzipped JSON document holding the
// core's memory (base64), its name tables, the incident tracker, the
// predictions, the recently seen event ids and the topology. Written to a
// temporary file and renamed, so a crash mid-write leaves the previous one.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { TenantCoreSnapshot } from "../core/tenant-core.js";
import { Topology } from "../gen/impactd/v1/topology.js";

/** CHECKPOINT_FORMAT is bumped whenever the file's shape changes. */
export const CHECKPOINT_FORMAT = 1;

/** TenantCheckpoint is one tenant's state at `takenAtMs` (wall clock). */
export interface TenantCheckpoint {
  format: number;
  tenant: string;
  takenAtMs: number;
  core: TenantCoreSnapshot;
  tracker: unknown;
  predictions: unknown;
  seenIds: string[];
  topology: Topology;
}

function fileOf(dir: string, tenant: string): string {
  return join(dir, `${encodeURIComponent(tenant)}.ckpt`);
}

/** writeCheckpoint stores one tenant's checkpoint atomically; returns its size in bytes. */
export function writeCheckpoint(dir: string, c: TenantCheckpoint): number {
  mkdirSync(dir, { recursive: true });
  const doc = {
    ...c,
    topology: Topology.toJSON(c.topology),
    core: { ...c.core, memory: Buffer.from(c.core.memory).toString("base64") },
  };
  const bytes = gzipSync(JSON.stringify(doc), { level: 1 });
  const path = fileOf(dir, c.tenant);
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  return bytes.length;
}

/** readCheckpoints loads every tenant checkpoint in `dir` (none when it does not exist). */
export function readCheckpoints(dir: string): TenantCheckpoint[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".ckpt"));
  } catch {
    return [];
  }
  return names.map((n) => {
    const doc = JSON.parse(gunzipSync(readFileSync(join(dir, n))).toString("utf8")) as Record<
      string,
      unknown
    > & {
      core: Record<string, unknown> & { memory: string };
    };
    if (doc.format !== CHECKPOINT_FORMAT) {
      throw new Error(
        `checkpoint ${n} has format ${String(doc.format)}, this impactd reads ${CHECKPOINT_FORMAT}`,
      );
    }
    return {
      ...(doc as unknown as TenantCheckpoint),
      topology: Topology.fromJSON(doc.topology),
      core: {
        ...(doc.core as unknown as TenantCoreSnapshot),
        memory: new Uint8Array(Buffer.from(doc.core.memory, "base64")),
      },
    };
  });
}
