// Reading a request body with a size limit (also after decompression), so a
// large or hostile body is refused early instead of filling memory.
import type { IncomingMessage } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { HttpError } from "./errors.js";

/** Body is a read request body: the bytes, and an excerpt for rejected_events. */
export interface Body {
  bytes: Buffer;
  excerpt: string;
}

function tooLarge(size: string, max: number): HttpError {
  return new HttpError(
    413,
    "PAYLOAD_TOO_LARGE",
    `request body ${size} exceeds the limit of ${max} bytes`,
    {
      record: true,
    },
  );
}

/** readBody reads at most `max` bytes of `req`, decompressing gzip and deflate. */
export async function readBody(req: IncomingMessage, max: number): Promise<Body> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > max) throw tooLarge(`of ${declared} bytes`, max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw tooLarge(`of more than ${size} bytes`, max);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  const excerpt = raw.subarray(0, 512).toString("utf8");
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  try {
    switch (encoding) {
      case "identity":
      case "":
        return { bytes: raw, excerpt };
      case "gzip":
        return withExcerpt(gunzipSync(raw, { maxOutputLength: max }));
      case "deflate":
        return withExcerpt(inflateSync(raw, { maxOutputLength: max }));
      default:
        throw new HttpError(
          415,
          "UNSUPPORTED_ENCODING",
          `content-encoding ${JSON.stringify(encoding)} is not supported (use identity, gzip or deflate)`,
          { record: true },
        );
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError)
      throw tooLarge("after decompression", max);
    throw new HttpError(
      400,
      "MALFORMED",
      `body is not valid ${encoding}: ${(err as Error).message}`,
      {
        record: true,
        payload: excerpt,
      },
    );
  }
}

function withExcerpt(bytes: Buffer): Body {
  return { bytes, excerpt: bytes.subarray(0, 512).toString("utf8") };
}

/** parseJson parses a body as JSON or throws a MALFORMED HttpError. */
export function parseJson(body: Body): unknown {
  try {
    return JSON.parse(body.bytes.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, "MALFORMED", `body is not valid JSON: ${(err as Error).message}`, {
      record: true,
      payload: body.excerpt,
    });
  }
}
