// IncidentService: watch, list and get incidents of a tenant.
import {
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import type {
  GetIncidentRequest,
  IncidentUpdate,
  ListIncidentsRequest,
  ListIncidentsResponse,
  WatchIncidentsRequest,
} from "../../gen/impactd/v1/api.js";
import type { Incident } from "../../gen/impactd/v1/incident.js";
import { isOpen } from "../../pipeline/incident-tracker.js";
import { DEFAULT_TENANT, type Pipeline } from "../../pipeline/pipeline.js";

/** DEFAULT_PAGE_SIZE is how many incidents ListIncidents returns by default. */
export const DEFAULT_PAGE_SIZE = 100;

function tenantOf(requested: string): string {
  return requested === "" ? DEFAULT_TENANT : requested;
}

/** incidentHandlers implements IncidentServiceServer over a pipeline. */
export function incidentHandlers(pipeline: Pipeline) {
  return {
    watchIncidents(call: ServerWritableStream<WatchIncidentsRequest, IncidentUpdate>): void {
      const tenant = tenantOf(call.request.tenant);
      if (call.request.includeOpen) {
        for (const inc of pipeline.incidents(tenant)) {
          if (isOpen(inc.status)) call.write({ incident: inc, changes: ["current"] });
        }
      }
      const unsubscribe = pipeline.watch(tenant, (incident, changes) => {
        call.write({ incident, changes });
      });
      const stop = () => unsubscribe();
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
    },

    listIncidents(
      call: ServerUnaryCall<ListIncidentsRequest, ListIncidentsResponse>,
      callback: sendUnaryData<ListIncidentsResponse>,
    ): void {
      const req = call.request;
      const statuses = new Set(req.statuses);
      const size = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
      const incidents = pipeline
        .incidents(tenantOf(req.tenant))
        .filter((i) => statuses.size === 0 || statuses.has(i.status))
        .filter((i) => req.service === "" || i.services.includes(req.service))
        .slice(0, size);
      callback(null, { incidents });
    },

    getIncident(
      call: ServerUnaryCall<GetIncidentRequest, Incident>,
      callback: sendUnaryData<Incident>,
    ): void {
      const inc = pipeline.incident(tenantOf(call.request.tenant), call.request.id);
      if (inc === undefined) {
        callback({
          code: status.NOT_FOUND,
          details: `incident ${JSON.stringify(call.request.id)} not found`,
        });
        return;
      }
      callback(null, inc);
    },
  };
}
