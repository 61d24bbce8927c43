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
