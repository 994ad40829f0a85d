// Alert batches to an Alertmanager API v2 endpoint (`POST /api/v2/alerts`),
// as Prometheus sends them: a real Alertmanager or impactd's HTTP front end
// take the same body. Only alert events travel; other kinds are skipped. A
// 503 (impactd's overload answer) is retried after its Retry-After.
import type { Event } from "../gen/impactd/v1/event.js";
import { alertsBody, DEFAULT_ALERT_TTL_MS } from "./alertmanager.js";
import {
  type Ack,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  LoadTargetError,
  type Prepared,
  type Sender,
  sleep,
} from "./sender.js";

/** AlertmanagerSender posts alert batches to `<baseUrl>/api/v2/alerts`. */
export class AlertmanagerSender implements Sender<string> {
  readonly via = "alertmanager" as const;
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly opts: { now?: () => number; ttlMs?: number; tenant?: string } = {},
  ) {
    this.url = `${baseUrl.replace(/\/+$/, "")}/api/v2/alerts`;
  }

  prepare(events: readonly Event[], firstSeq: number): Prepared<string> {
    const now = this.opts.now ?? Date.now;
    const { body, alerts } = alertsBody(events, now(), this.opts.ttlMs ?? DEFAULT_ALERT_TTL_MS);
    return { count: alerts, firstSeq, payload: body };
  }

  async send(batch: Prepared<string>): Promise<Ack> {
    const ack: Ack = { accepted: 0, rejected: 0, duplicates: 0, retries: 0 };
    if (batch.count === 0) return ack;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.opts.tenant !== undefined && this.opts.tenant !== "default")
      headers["x-scope-orgid"] = this.opts.tenant;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.url, { method: "POST", headers, body: batch.payload });
      } catch (err) {
        throw new LoadTargetError(`POST ${this.url}: ${(err as Error).message}`, { cause: err });
      }
      const text = await res.text();
      if (res.status === 503 && attempt < DEFAULT_MAX_RETRIES) {
        ack.retries++;
        const after = Number(res.headers.get("retry-after"));
        await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : DEFAULT_RETRY_DELAY_MS);
        continue;
      }
      if (res.ok) {
        ack.accepted = batch.count;
        return ack;
      }
      if (res.status === 400) {
        // impactd names the refused alerts; Alertmanager refuses the whole body.
        const detail = parseRejected(text);
        ack.rejected = detail?.rejected ?? batch.count;
        ack.duplicates = detail?.duplicates ?? 0;
        ack.accepted = detail?.accepted ?? 0;
        return ack;
      }
      throw new LoadTargetError(`POST ${this.url}: HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function parseRejected(
  text: string,
): { accepted: number; duplicates: number; rejected: number } | undefined {
  try {
    const b = JSON.parse(text) as {
      error?: { details?: { accepted?: number; duplicates?: number; rejected?: unknown[] } };
      accepted?: number;
      duplicates?: number;
      rejected?: unknown[];
    };
    const d = b.error?.details ?? b;
    if (!Array.isArray(d.rejected)) return undefined;
    return {
      accepted: d.accepted ?? 0,
      duplicates: d.duplicates ?? 0,
      rejected: d.rejected.length,
    };
  } catch {
    return undefined;
  }
}
