import { Pool, errors as undiciErrors } from "undici";
import { type HttpAnswer, TransportError } from "./answer.js";

export interface HttpClientOptions {
  connections: number;
  timeoutMs: number;
  /** Longer bodies are cut off: an answer never costs unbounded memory. */
  maxBodyBytes: number;
  /** Applied to every answer's body and headers: removes the run's secrets if a server echoes them. */
  scrub: (text: string) => string;
}

/** POSTs to one origin over a keep-alive pool; each request has one overall deadline. */
export class HttpClient {
  private readonly pool: Pool;

  constructor(
    private readonly origin: string,
    private readonly options: HttpClientOptions,
  ) {
    this.pool = new Pool(origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: options.maxBodyBytes,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
    });
  }

  /**
   * `abort` ends the request early (a second Ctrl-C). The deadline is `--timeout`: undici's
   * own timers bound the wait for the headers, and a timer cuts the body off once the whole
   * answer has taken longer (a server that trickles bytes).
   */
  async post(path: string, headers: Record<string, string>, body: string, abort?: AbortSignal): Promise<HttpAnswer> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let timedOutBody = false;
    try {
      const answer = await this.pool.request({ path, method: "POST", headers, body, signal: abort });
      timer = setTimeout(
        () => {
          timedOutBody = true;
          answer.body.destroy();
        },
        Math.max(0, started + this.options.timeoutMs - Date.now()),
      );
      const text = this.options.scrub(await answer.body.text());
      const location = answer.headers.location;
      const answerHeaders = typeof location === "string" ? { ...answer.headers, location: this.options.scrub(location) } : answer.headers;
      return { status: answer.statusCode, headers: answerHeaders, body: text };
    } catch (error) {
      if (abort?.aborted === true) throw new TransportError("the request was abandoned", "aborted", true, { cause: error });
      if (timedOutBody) throw new TransportError(timedOut(this.options.timeoutMs), "timeout", true, { cause: error });
      throw classify(error, this.origin, this.options);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function timedOut(timeoutMs: number): string {
  return `no complete answer within ${timeoutMs / 1000} s`;
}

function classify(error: unknown, origin: string, { timeoutMs, maxBodyBytes }: HttpClientOptions): TransportError {
  if (error instanceof undiciErrors.ResponseExceededMaxSizeError) {
    return new TransportError(`the answer is larger than ${maxBodyBytes} bytes`, "response_too_large", true, { cause: error });
  }
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || error instanceof undiciErrors.ConnectTimeoutError) {
    return new TransportError(`cannot connect to ${origin} (${code ?? message})`, "connection_refused", false, { cause: error });
  }
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new TransportError(timedOut(timeoutMs), "timeout", true, { cause: error });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || error instanceof undiciErrors.SocketError) {
    return new TransportError("the connection was reset", "connection_reset", true, { cause: error });
  }
  return new TransportError(`network error (${message})`, "network", true, { cause: error });
}
