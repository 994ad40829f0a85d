// The estates the evaluation runs on: three shaped like well-known demo
// systems (files under examples/, loaded through the ordinary topology
// loader) and seeded random graphs.
import { resolve } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import { randomEstate } from "../sim/random-estate.js";
import { Rng } from "../sim/rng.js";
import { loadTopologyFile } from "../topology/index.js";
import { packageRoot } from "../util/package-root.js";

/** ESTATE_NAMES are the estates `impactd eval --estate` accepts. */
export const ESTATE_NAMES = ["shop", "sock-shop", "train-ticket", "random"] as const;

/** EstateName is one of ESTATE_NAMES. */
export type EstateName = (typeof ESTATE_NAMES)[number];

/** ESTATE_FILES maps the file-backed estates to their topology files (relative to the package). */
export const ESTATE_FILES: Readonly<Record<Exclude<EstateName, "random">, string>> = {
  shop: "examples/shop.yaml",
  "sock-shop": "examples/estates/sock-shop.yaml",
  "train-ticket": "examples/estates/train-ticket.yaml",
};

/** DEFAULT_RANDOM_ESTATE_SIZE bounds the services of a random estate in an evaluation case. */
export const DEFAULT_RANDOM_ESTATE_SIZE: readonly [number, number] = [30, 120];

const loaded = new Map<string, Topology>();

/** isEstateName tells whether `name` is a known estate. */
export function isEstateName(name: string): name is EstateName {
  return (ESTATE_NAMES as readonly string[]).includes(name);
}

/**
 * estateTopology returns the topology of estate `name`; `seed` picks the
 * random estate (size drawn from DEFAULT_RANDOM_ESTATE_SIZE) and is ignored
 * by the others, which are loaded once per process.
 */
export function estateTopology(name: EstateName, seed: number): Topology {
  if (name === "random") {
    const rng = new Rng(seed).fork("estate-size");
    const [lo, hi] = DEFAULT_RANDOM_ESTATE_SIZE;
    return randomEstate({ seed, services: lo + rng.int(hi - lo + 1) });
  }
  const file = ESTATE_FILES[name];
  if (file === undefined) throw new InvalidArgumentError(`unknown estate ${JSON.stringify(name)}`);
  let t = loaded.get(name);
  if (t === undefined) {
    t = loadTopologyFile(resolve(packageRoot(), file));
    loaded.set(name, t);
  }
  return t;
}
