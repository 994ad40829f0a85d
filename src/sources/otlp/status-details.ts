// gRPC rich error details: a google.rpc.Status carrying a
// google.rpc.RetryInfo, sent in the `grpc-status-details-bin` trailer, which
// is how OTLP receivers tell exporters when to retry. Three tiny messages, so
// they are encoded directly with the protobuf wire writer (field numbers from
// google/rpc/status.proto, google/rpc/error_details.proto and
// google/protobuf/{any,duration}.proto).

import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Metadata } from "@grpc/grpc-js";

/** RETRY_INFO_TYPE is the Any type URL of google.rpc.RetryInfo. */
export const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";
/** STATUS_DETAILS_KEY is the trailer that carries a serialized google.rpc.Status. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** encodeRetryStatus encodes google.rpc.Status{code, message, details: [RetryInfo{retry_delay}]}. */
export function encodeRetryStatus(code: number, message: string, retryDelayMs: number): Uint8Array {
  const seconds = Math.floor(retryDelayMs / 1000);
  const nanos = Math.round((retryDelayMs - seconds * 1000) * 1e6);
  const retryInfo = new BinaryWriter();
  retryInfo.tag(1, WireType.LengthDelimited).fork(); // retry_delay: Duration
  if (seconds !== 0) retryInfo.tag(1, WireType.Varint).int64(seconds);
  if (nanos !== 0) retryInfo.tag(2, WireType.Varint).int32(nanos);
  retryInfo.join();
  const status = new BinaryWriter();
  status.tag(1, WireType.Varint).int32(code);
  status.tag(2, WireType.LengthDelimited).string(message);
  status.tag(3, WireType.LengthDelimited).fork(); // details: Any
  status.tag(1, WireType.LengthDelimited).string(RETRY_INFO_TYPE);
  status.tag(2, WireType.LengthDelimited).bytes(retryInfo.finish());
  status.join();
  return status.finish();
}

/** retryMetadata returns trailers telling the client to retry after `retryDelayMs`. */
export function retryMetadata(code: number, message: string, retryDelayMs: number): Metadata {
  const md = new Metadata();
  md.set(STATUS_DETAILS_KEY, Buffer.from(encodeRetryStatus(code, message, retryDelayMs)));
  return md;
}

/** decodeRetryDelayMs reads the RetryInfo delay back from a google.rpc.Status (tests, clients). */
export function decodeRetryDelayMs(bytes: Uint8Array): number | undefined {
  const r = new BinaryReader(bytes);
  let delay: number | undefined;
  while (r.pos < r.len) {
    const [field, type] = r.tag();
    if (field !== 3) {
      r.skip(type);
      continue;
    }
    const any = new BinaryReader(r.bytes());
    let typeUrl = "";
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [f, t] = any.tag();
      if (f === 1) typeUrl = any.string();
      else if (f === 2) value = any.bytes();
      else any.skip(t);
    }
    if (typeUrl !== RETRY_INFO_TYPE) continue;
    const info = new BinaryReader(value);
    while (info.pos < info.len) {
      const [f, t] = info.tag();
      if (f !== 1) {
        info.skip(t);
        continue;
      }
      const d = new BinaryReader(info.bytes());
      let ms = 0;
      while (d.pos < d.len) {
        const [g, u] = d.tag();
        if (g === 1) ms += Number(d.int64()) * 1000;
        else if (g === 2) ms += d.int32() / 1e6;
        else d.skip(u);
      }
      delay = ms;
    }
  }
  return delay;
}
