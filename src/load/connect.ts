// Opens one sender per producer for a protocol and target.
import { GrpcSender } from "./grpc-sender.js";
import { AlertmanagerSender } from "./http-sender.js";
import { NatsSender } from "./nats-sender.js";
import { OtlpSender } from "./otlp-sender.js";
import type { Sender, Via } from "./sender.js";

/** DEFAULT_TARGETS are the loopback addresses each protocol's server listens on by default. */
export const DEFAULT_TARGETS: Record<Via, string> = {
  grpc: "127.0.0.1:7070",
  otlp: "127.0.0.1:4317",
  nats: "nats://127.0.0.1:4222",
  alertmanager: "http://127.0.0.1:7071",
};

/** SenderOptions say where and as whom to send. */
export interface SenderOptions {
  via: Via;
  /** Address as parseTarget renders it for the protocol. */
  address: string;
  producers: number;
  tenant: string;
  /** NATS subject prefix. */
  natsPrefix?: string;
  /** Prefix of Nats-Msg-Id values (one per workload). */
  idPrefix: string;
}

/** openSenders connects `producers` senders. */
export async function openSenders(o: SenderOptions): Promise<Sender[]> {
  const out: Sender[] = [];
  try {
    for (let p = 0; p < o.producers; p++) {
      switch (o.via) {
        case "grpc":
          out.push(new GrpcSender(o.address));
          break;
        case "otlp":
          out.push(new OtlpSender(o.address, o.tenant));
          break;
        case "alertmanager":
          out.push(new AlertmanagerSender(o.address, { tenant: o.tenant }));
          break;
        case "nats":
          out.push(
            await NatsSender.connect(o.address, {
              tenant: o.tenant,
              idPrefix: o.idPrefix,
              ...(o.natsPrefix === undefined ? {} : { prefix: o.natsPrefix }),
            }),
          );
          break;
      }
    }
  } catch (err) {
    await Promise.all(out.map((s) => s.close()));
    throw err;
  }
  return out;
}
