// A small typed client for the impactd.v1 gRPC API, used by the CLI, the
// demo's simulator and the tests.
import {
  type ChannelCredentials,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type GetJourneyImpactResponse,
  IncidentServiceClient,
  type IncidentUpdate,
  type IngestRequest,
  type IngestResponse,
  IngestServiceClient,
  type JourneyImpactSummary,
  type ListIncidentsRequest,
  type ListIncidentsResponse,
  type PutTopologyResponse,
  TopologyServiceClient,
} from "../gen/impactd/v1/api.js";
import type { Event } from "../gen/impactd/v1/event.js";
import type { Incident } from "../gen/impactd/v1/incident.js";
import type { Topology } from "../gen/impactd/v1/topology.js";

/** ClientTls is what a client needs to reach a TLS front end. */
export interface ClientTls {
  /** PEM CA bundle the server certificate must chain to; absent = system roots. */
  ca?: Buffer;
  /** PEM client certificate and key, for mTLS. */
  cert?: Buffer;
  key?: Buffer;
  /** Name to check the server certificate against, when it differs from the address. */
  serverName?: string;
}

/** ClientOptions configure an ImpactdClient. */
export interface ClientOptions {
  /** @default plaintext, or TLS when `tls` is given */
  credentials?: ChannelCredentials;
  /** Connect with TLS (or mTLS). */
  tls?: ClientTls;
  /** Bearer token sent with every call. */
  token?: string;
}

/** WatchOptions select what watchIncidents streams. */
export interface WatchOptions {
  tenant?: string;
  /** Start with the current version of every open incident. */
  includeOpen?: boolean;
  /** Resume after this sequence (IncidentUpdate.sequence). */
  cursor?: number;
  /** Called when the stream fails (not when cancelled). */
  onError?: (e: ServiceError) => void;
  /** Called when the server ends the stream. */
  onEnd?: () => void;
}

/** ActOptions name the tenant and who acts, for acknowledge and resolve. */
export interface ActOptions {
  tenant?: string;
  actor?: string;
  note?: string;
}

function channelCredentials(options: ClientOptions): ChannelCredentials {
  if (options.credentials !== undefined) return options.credentials;
  if (options.tls === undefined) return credentials.createInsecure();
  const t = options.tls;
  return credentials.createSsl(t.ca ?? null, t.key ?? null, t.cert ?? null);
}

function unary<T>(run: (cb: (err: ServiceError | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, v) => (err ? reject(err) : resolve(v))));
}

/**
 * IngestStream sends batches over one Ingest stream; each send resolves with
 * that batch's acknowledgement.
 */
export class IngestStream {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: IngestResponse) => void; reject: (e: Error) => void }
  >();
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(private readonly call: ClientDuplexStream<IngestRequest, IngestResponse>) {
    call.on("data", (res: IngestResponse) => {
      // Acks come in batch order; a malformed-request ack has batch id 0.
      const id = res.batchId !== 0 ? res.batchId : Math.min(...this.waiting.keys());
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      w?.resolve(res);
    });
    this.done = new Promise((resolve) => {
      const finish = (err?: Error) => {
        if (err !== undefined) this.failure = err;
        for (const w of this.waiting.values())
          w.reject(err ?? new Error("ingest stream ended before the ack"));
        this.waiting.clear();
        resolve();
      };
      call.on("error", (err: Error) => finish(err));
      call.on("end", () => finish());
    });
  }

  /** send writes one batch and resolves with its ack. */
  send(events: Event[]): Promise<IngestResponse> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const batchId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(batchId, { resolve, reject });
      this.call.write({ batchId, events });
    });
  }

  /** pending is the number of batches sent and not yet acknowledged. */
  get pending(): number {
    return this.waiting.size;
  }

  /** end closes the sending side and waits for the server to finish. */
  async end(): Promise<void> {
    this.call.end();
    await this.done;
    if (this.failure !== undefined) throw this.failure;
  }
}

/** ImpactdClient talks to an impactd server over gRPC. */
export class ImpactdClient {
  private readonly ingestClient: IngestServiceClient;
  private readonly incidentClient: IncidentServiceClient;
  private readonly topologyClient: TopologyServiceClient;
  private readonly metadata = new Metadata();

  constructor(
    readonly address: string,
    options: ClientOptions = {},
  ) {
    const creds = channelCredentials(options);
    const opts = {
      "grpc.max_send_message_length": 64 * 1024 * 1024,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      ...(options.tls?.serverName === undefined
        ? {}
        : { "grpc.ssl_target_name_override": options.tls.serverName }),
    };
    this.ingestClient = new IngestServiceClient(address, creds, opts);
    this.incidentClient = new IncidentServiceClient(address, creds, opts);
    this.topologyClient = new TopologyServiceClient(address, creds, opts);
    if (options.token !== undefined) this.metadata.set("authorization", `Bearer ${options.token}`);
  }

  /** ingest opens an Ingest stream. */
  ingest(): IngestStream {
    return new IngestStream(this.ingestClient.ingest(this.metadata));
  }

  /** listIncidents returns the current version of matching incidents (one page). */
  async listIncidents(req: Partial<ListIncidentsRequest> = {}): Promise<Incident[]> {
    return (await this.listIncidentsPage(req)).incidents;
  }

  /** listIncidentsPage returns one page of matching incidents and the next page's token. */
  listIncidentsPage(req: Partial<ListIncidentsRequest> = {}): Promise<ListIncidentsResponse> {
    const full: ListIncidentsRequest = {
      tenant: "",
      statuses: [],
      service: "",
      pageSize: 0,
      severities: [],
      sinceUnixMs: 0,
      untilUnixMs: 0,
      pageToken: "",
      ...req,
    };
    return unary((cb) => this.incidentClient.listIncidents(full, this.metadata, cb));
  }

  /** journeyImpact returns, per journey, the impact of the open incidents. */
  async journeyImpact(journey = "", tenant = ""): Promise<JourneyImpactSummary[]> {
    const res = await unary<GetJourneyImpactResponse>((cb) =>
      this.incidentClient.getJourneyImpact({ tenant, journey }, this.metadata, cb),
    );
    return res.journeys;
  }

  /** acknowledge marks an incident as being handled. */
  acknowledge(id: string, opts: ActOptions = {}): Promise<Incident> {
    const req = { tenant: opts.tenant ?? "", id, actor: opts.actor ?? "", note: opts.note ?? "" };
    return unary((cb) => this.incidentClient.acknowledge(req, this.metadata, cb));
  }

  /** resolve declares an incident over. */
  resolve(id: string, opts: ActOptions = {}): Promise<Incident> {
    const req = { tenant: opts.tenant ?? "", id, actor: opts.actor ?? "", note: opts.note ?? "" };
    return unary((cb) => this.incidentClient.resolve(req, this.metadata, cb));
  }

  /** getIncident returns one incident. */
  getIncident(id: string, tenant = ""): Promise<Incident> {
    return unary((cb) => this.incidentClient.getIncident({ tenant, id }, this.metadata, cb));
  }

  /** watchIncidents calls `onUpdate` for every new incident version; returns cancel. */
  watchIncidents(onUpdate: (u: IncidentUpdate) => void, opts: WatchOptions = {}): () => void {
    const call = this.incidentClient.watchIncidents(
      {
        tenant: opts.tenant ?? "",
        includeOpen: opts.includeOpen ?? false,
        cursor: opts.cursor ?? 0,
      },
      this.metadata,
    );
    call.on("data", onUpdate);
    call.on("error", (e: ServiceError) => {
      if (e.code !== status.CANCELLED) opts.onError?.(e);
    });
    call.on("end", () => opts.onEnd?.());
    return () => call.cancel();
  }

  /** putTopology replaces the tenant's topology. */
  putTopology(topology: Topology, tenant = ""): Promise<PutTopologyResponse> {
    return unary((cb) => this.topologyClient.putTopology({ tenant, topology }, this.metadata, cb));
  }

  /** getTopology returns the tenant's topology. */
  getTopology(tenant = ""): Promise<Topology> {
    return unary((cb) => this.topologyClient.getTopology({ tenant }, this.metadata, cb));
  }

  /** close releases the channels. */
  close(): void {
    this.ingestClient.close();
    this.incidentClient.close();
    this.topologyClient.close();
  }
}
