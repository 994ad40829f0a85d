// `impactd ack ID` and `impactd resolve ID`: act on an incident of a running
// server through the gRPC API.
import { InvalidArgumentError } from "../../errors.js";
import type { Command } from "../command.js";
import { formatTable } from "../format.js";
import { CONNECT_HELP, parse, withClient } from "../remote/connect.js";
import { FORMATS, incidentJson, row } from "../remote/render.js";

function actCommand(name: "ack" | "resolve"): Command {
  const verb = name === "ack" ? "acknowledge" : "resolve";
  const help = `Usage: impactd ${name} ID [--actor NAME] [--note TEXT] [--format table|json] [connection options]

${
  name === "ack"
    ? "Acknowledges an incident: someone is on it, escalation stops."
    : "Resolves an incident by hand, whatever its signals say."
} Prints the incident's new state. With auth on, the token's name is recorded
with the actor (the token needs the respond or admin role).

Options:
  --actor NAME         who acts (default: $USER; with auth, the token's name)
  --note TEXT          free text stored with the action
  --format table|json  output format (default table)

${CONNECT_HELP}

Example:
  impactd ${name} inc-lq2x8k0-payments-db --note "${name === "ack" ? "looking at the pool" : "rolled back"}"`;
  return {
    name,
    summary: `${verb} an incident on a running server`,
    help,
    async run(argv) {
      const { values, positionals } = parse(
        argv,
        { actor: { type: "string" }, note: { type: "string" }, format: { type: "string" } },
        true,
      );
      const [id, ...extra] = positionals;
      if (id === undefined || extra.length > 0)
        throw new InvalidArgumentError(`expected exactly one incident id\n\n${help}`);
      const format = (values.format as string | undefined) ?? "table";
      if (!(FORMATS as readonly string[]).includes(format))
        throw new InvalidArgumentError(`--format ${format}: expected table or json`);
      const opts = {
        ...(typeof values.tenant === "string" ? { tenant: values.tenant } : {}),
        actor: (values.actor as string | undefined) ?? process.env.USER ?? "",
        note: (values.note as string | undefined) ?? "",
      };
      const inc = await withClient(values, (c) =>
        name === "ack" ? c.acknowledge(id, opts) : c.resolve(id, opts),
      );
      console.log(
        format === "json" ? JSON.stringify(incidentJson(inc), null, 2) : formatTable([row(inc)]),
      );
      return 0;
    },
  };
}

/** ackCommand acknowledges an incident. */
export const ackCommand = actCommand("ack");
/** resolveCommand resolves an incident. */
export const resolveCommand = actCommand("resolve");
