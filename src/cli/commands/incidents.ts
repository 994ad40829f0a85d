// `impactd incidents [list|get|watch]`: read and follow the incidents of a
// running server through the gRPC API.

import { InvalidArgumentError } from "../../errors.js";
import type { IncidentUpdate } from "../../gen/impactd/v1/api.js";
import type { Incident } from "../../gen/impactd/v1/incident.js";
import type { Command } from "../command.js";
import { formatTable } from "../format.js";
import { CONNECT_HELP, connect, parse, serverError, type Values } from "../remote/connect.js";
import {
  FORMATS,
  incidentJson,
  parseSeverities,
  parseStatuses,
  parseTime,
  row,
  updateJson,
  updateLine,
} from "../remote/render.js";

const HELP = `Usage: impactd incidents [list] [filters] [--format table|json] [connection options]
       impactd incidents get ID [--format table|json]
       impactd incidents watch [--include-open] [--cursor N] [--count N] [--format table|json]

list (the default) prints the current version of matching incidents, newest
first. get prints one incident in full. watch prints every new incident
version as it happens (one line, or one JSON object per line) until Ctrl-C;
when the connection drops it reconnects and resumes from the last update it
printed, so nothing is missed.

List filters:
  --status LIST        open, acknowledged, mitigated, resolved, merged (comma-separated)
  --service NAME       only incidents with this member service
  --severity LIST      critical, high, medium, low (comma-separated)
  --since WHEN         active at or after WHEN: a duration ago (2h), an ISO time or epoch ms
  --until WHEN         opened before WHEN
  --limit N            page size (default 100, at most 1000)
  --all                follow page tokens and print every match

Watch options:
  --include-open       start with the current open incidents
  --cursor N           resume after update sequence N (printed as #N)
  --count N            exit after N updates (scripts, tests)

  --format table|json  output format (default table)

${CONNECT_HELP}

Examples:
  impactd incidents --status open,acknowledged
  impactd incidents --service payments-db --since 24h --format json
  impactd incidents get inc-lq2x8k0-payments-db
  impactd incidents watch --include-open`;

const OPTIONS = {
  status: { type: "string" },
  service: { type: "string" },
  severity: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  limit: { type: "string" },
  all: { type: "boolean" },
  "include-open": { type: "boolean" },
  cursor: { type: "string" },
  count: { type: "string" },
  format: { type: "string" },
} as const;

function integer(v: unknown, flag: string, lo: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < lo)
    throw new InvalidArgumentError(`--${flag} ${String(v)}: expected an integer >= ${lo}`);
  return n;
}

function printIncidents(list: Incident[], format: string): void {
  if (format === "json") console.log(JSON.stringify(list.map(incidentJson), null, 2));
  else console.log(formatTable(list.map(row)));
}

async function list(v: Values, format: string): Promise<number> {
  const req = {
    tenant: (v.tenant as string | undefined) ?? "",
    statuses: parseStatuses(v.status as string | undefined),
    severities: parseSeverities(v.severity as string | undefined),
    service: (v.service as string | undefined) ?? "",
    sinceUnixMs: parseTime(v.since as string | undefined, "since"),
    untilUnixMs: parseTime(v.until as string | undefined, "until"),
    pageSize: integer(v.limit, "limit", 1) ?? 0,
  };
  const client = connect(v);
  try {
    const all: Incident[] = [];
    let pageToken = "";
    do {
      const page = await client.listIncidentsPage({ ...req, pageToken });
      all.push(...page.incidents);
      pageToken = v.all === true ? page.nextPageToken : "";
    } while (pageToken !== "");
    printIncidents(all, format);
  } catch (err) {
    throw serverError(err, client.address);
  } finally {
    client.close();
  }
  return 0;
}

async function get(v: Values, id: string, format: string): Promise<number> {
  const client = connect(v);
  try {
    const inc = await client.getIncident(id, (v.tenant as string | undefined) ?? "");
    if (format === "json") console.log(JSON.stringify(incidentJson(inc), null, 2));
    else {
      console.log(formatTable([row(inc)]));
      for (const c of inc.rootCauses)
        console.log(`  #${c.rank} ${c.service} (score ${c.score.toFixed(2)}): ${c.reason}`);
      for (const j of inc.journeys)
        console.log(
          `  journey ${j.journey}: success ${(j.successRatio * 100).toFixed(1)}%, ${j.customersAffectedPerMin.toFixed(0)} customers/min affected`,
        );
    }
  } catch (err) {
    throw serverError(err, client.address);
  } finally {
    client.close();
  }
  return 0;
}

// Permanent failures end the watch; anything else is retried from the cursor.
const PERMANENT = new Set(["UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT"]);

async function watch(v: Values, format: string): Promise<number> {
  const count = integer(v.count, "count", 1);
  let cursor = integer(v.cursor, "cursor", 0) ?? 0;
  let includeOpen = v["include-open"] === true;
  let printed = 0;
  const client = connect(v);
  let cancel: () => void = () => {};
  try {
    return await new Promise<number>((resolve, reject) => {
      const onSignal = () => resolve(0);
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const open = () => {
        cancel = client.watchIncidents(
          (u: IncidentUpdate) => {
            cursor = Math.max(cursor, u.sequence);
            console.log(format === "json" ? updateJson(u) : updateLine(u));
            if (count !== undefined && ++printed >= count) resolve(0);
          },
          {
            tenant: (v.tenant as string | undefined) ?? "",
            includeOpen,
            cursor,
            onError: (err) => {
              const e = serverError(err, client.address);
              if (PERMANENT.has(e.code)) {
                reject(e);
                return;
              }
              console.error(
                `impactd incidents watch: ${e.message}; resuming after #${cursor} in 1s`,
              );
              setTimeout(open, 1_000);
            },
          },
        );
        // After the first connection the cursor carries the state.
        includeOpen = false;
      };
      open();
    });
  } finally {
    cancel();
    client.close();
  }
}

/** incidentsCommand lists, gets and watches incidents of a running server. */
export const incidentsCommand: Command = {
  name: "incidents",
  summary: "list, get or watch the incidents of a running server",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse(argv, OPTIONS, true);
    const [sub = "list", ...rest] = positionals;
    const format = (values.format as string | undefined) ?? "table";
    if (!(FORMATS as readonly string[]).includes(format))
      throw new InvalidArgumentError(`--format ${format}: expected table or json`);
    if (sub === "get") {
      const [id, ...extra] = rest;
      if (id === undefined || extra.length > 0)
        throw new InvalidArgumentError("incidents get: expected exactly one incident id");
      return get(values, id, format);
    }
    if (rest.length > 0) throw new InvalidArgumentError(`unexpected argument ${rest[0]}`);
    if (sub === "list") return list(values, format);
    if (sub === "watch") return watch(values, format);
    throw new InvalidArgumentError(`unknown sub-command ${JSON.stringify(sub)} (list, get, watch)`);
  },
};
