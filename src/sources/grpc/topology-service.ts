// TopologyService: replace and read a tenant's topology, applied live.
import { type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import type {
  GetTopologyRequest,
  PutTopologyRequest,
  PutTopologyResponse,
} from "../../gen/impactd/v1/api.js";
import type { Topology } from "../../gen/impactd/v1/topology.js";
import { DEFAULT_TENANT, type Pipeline } from "../../pipeline/pipeline.js";
import { validateTopology } from "../../topology/index.js";

/** topologyHandlers implements TopologyServiceServer over a pipeline. */
export function topologyHandlers(pipeline: Pipeline) {
  return {
    putTopology(
      call: ServerUnaryCall<PutTopologyRequest, PutTopologyResponse>,
      callback: sendUnaryData<PutTopologyResponse>,
    ): void {
      const topology = call.request.topology;
      if (topology === undefined) {
        callback({ code: status.INVALID_ARGUMENT, details: "topology is missing" });
        return;
      }
      const issues = validateTopology(topology);
      if (issues.length > 0) {
        callback({
          code: status.INVALID_ARGUMENT,
          details: `invalid topology: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        });
        return;
      }
      pipeline.setTopology(call.request.tenant || DEFAULT_TENANT, topology);
      callback(null, {
        services: topology.services.length,
        journeys: topology.journeys.length,
        teams: topology.teams.length,
      });
    },

    getTopology(
      call: ServerUnaryCall<GetTopologyRequest, Topology>,
      callback: sendUnaryData<Topology>,
    ): void {
      callback(null, pipeline.topology(call.request.tenant || DEFAULT_TENANT));
    },
  };
}
