// TopologyService: replace and read a tenant's topology, applied live (the
// core keeps its incident state across the change).

import { InvalidArgumentError } from "../../errors.js";
import type {
  GetTopologyRequest,
  PutTopologyRequest,
  PutTopologyResponse,
} from "../../gen/impactd/v1/api.js";
import type { Topology } from "../../gen/impactd/v1/topology.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { RejectCode } from "../../pipeline/validate.js";
import { tenantFor } from "../../security/auth.js";
import { validateTopology } from "../../topology/index.js";
import { type GrpcSecurity, unary } from "./guard.js";

/** topologyHandlers implements TopologyServiceServer over a pipeline. */
export function topologyHandlers(pipeline: Pipeline, security: GrpcSecurity) {
  return {
    putTopology: unary<PutTopologyRequest, PutTopologyResponse>(
      security,
      "admin",
      async (req, id) => {
        const tenant = tenantFor(id, req.tenant);
        const topology = req.topology;
        const issues =
          topology === undefined
            ? [{ path: "topology", message: "is missing" }]
            : validateTopology(topology);
        if (issues.length > 0) {
          const reason = `invalid topology: ${issues
            .slice(0, 20)
            .map((i) => `${i.path}: ${i.message}`)
            .join("; ")}`;
          await pipeline.recordRejection({
            frontEnd: "grpc",
            tenant,
            code: RejectCode.InvalidTopology,
            reason,
            payload: JSON.stringify(req).slice(0, 4096),
            source: id.name,
          });
          throw new InvalidArgumentError(reason);
        }
        pipeline.setTopology(tenant, topology as Topology);
        return {
          services: (topology as Topology).services.length,
          journeys: (topology as Topology).journeys.length,
          teams: (topology as Topology).teams.length,
        };
      },
    ),

    getTopology: unary<GetTopologyRequest, Topology>(security, "read", (req, id) =>
      pipeline.topology(tenantFor(id, req.tenant)),
    ),
  };
}
