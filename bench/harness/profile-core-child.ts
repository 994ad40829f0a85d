// Child process of the profile suite: runs the core suite's workload through
// the WASM core for a few seconds under `node --cpu-prof`. Run from a copy of
// the package whose build/core.wasm is a release build with function names.
// Arguments: services, seconds.
import { TenantCore } from "../../src/core/tenant-core.js";
import { batches, topology } from "../suites/core.js";

const services = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 5);
const topo = topology(services, 3);
const data = batches(services, 10_000, 64, Date.UTC(2026, 0, 1));
let core = new TenantCore();
core.setTopology(topo);
let next = 0;
let events = 0;
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  if (next === data.length) {
    core = new TenantCore();
    core.setTopology(topo);
    next = 0;
  }
  core.core.process(core.core.loadInput(data[next++] as Uint8Array));
  events += 10_000;
}
console.log(JSON.stringify({ events }));
