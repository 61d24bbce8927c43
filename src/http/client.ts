import { Pool, errors as undiciErrors } from "undici";
import type { HeaderBag } from "./retry-timing.js";

export interface HttpAnswer {
  status: number;
  headers: HeaderBag;
  /** The body as text, read up to the client's limit. */
  body: string;
}

export type TransportFailure = "timeout" | "connection_refused" | "connection_reset" | "network" | "response_too_large" | "aborted";

/**
 * A request that got no usable answer. `mayHaveApplied` is false only when the request
 * cannot have reached the server (the connection was never made), which lets a retry's
 * "already there" be trusted.
 */
export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    message: string,
    readonly code: TransportFailure,
    readonly mayHaveApplied: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpClientOptions {
  connections: number;
  timeoutMs: number;
  /** Longer bodies are cut off: an answer never costs unbounded memory. */
  maxBodyBytes: number;
}

/** POSTs to one origin over a keep-alive pool; each request has one overall deadline. */
export class HttpClient {
  private readonly pool: Pool;

  constructor(
    origin: string,
    private readonly options: HttpClientOptions,
  ) {
    this.pool = new Pool(origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
    });
  }

  /** `abort` ends the request early (a second Ctrl-C); the deadline is `--timeout`. */
  async post(path: string, headers: Record<string, string>, body: string, abort?: AbortSignal): Promise<HttpAnswer> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = abort === undefined ? deadline : AbortSignal.any([abort, deadline]);
    try {
      const answer = await this.pool.request({ path, method: "POST", headers, body, signal });
      const text = await readBounded(answer.body, this.options.maxBodyBytes);
      return { status: answer.statusCode, headers: answer.headers, body: text };
    } catch (error) {
      if (error instanceof TransportError) throw error;
      if (deadline.aborted) throw new TransportError(`no answer within ${this.options.timeoutMs / 1000} s`, "timeout", true, { cause: error });
      if (abort?.aborted === true) throw new TransportError("the request was abandoned", "aborted", true, { cause: error });
      throw classify(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new TransportError(`the answer is larger than ${maxBytes} bytes`, "response_too_large", true);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function classify(error: unknown): TransportError {
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || error instanceof undiciErrors.ConnectTimeoutError) {
    return new TransportError(`cannot connect (${code ?? message})`, "connection_refused", false, { cause: error });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new TransportError("the answer timed out", "timeout", true, { cause: error });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || error instanceof undiciErrors.SocketError) {
    return new TransportError("the connection was reset", "connection_reset", true, { cause: error });
  }
  return new TransportError(`network error (${message})`, "network", true, { cause: error });
}
