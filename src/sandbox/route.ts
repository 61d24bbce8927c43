import type { IncomingHttpHeaders } from "node:http";
import type { SandboxState } from "./state.js";

export interface SandboxRequest {
  /** The pattern's captures (the target id). */
  params: string[];
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown;
  rawBody: string;
  headers: IncomingHttpHeaders;
}

export interface SandboxAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  state: SandboxState;
  /** Amplemarket's leads-per-list cap (60,000 by the provider's documentation). */
  listCap: number;
  /** Lifetime of the Emarsys OAuth2 tokens the sandbox issues. */
  tokenTtlSeconds: number;
}

/** One provider endpoint as the sandbox serves it. */
export interface SandboxRoute {
  /** Endpoint name, used as the prefix of collection names in stats (e.g. `leadlex-list`). */
  readonly name: string;
  /** The provider's name: routes of one provider share its rate limits. */
  readonly provider: string;
  /** Matched against the request path (which includes the provider's prefix). */
  readonly pattern: RegExp;
  /** The answer to a request without valid credentials, or undefined when they are fine. */
  authenticate(request: SandboxRequest, context: RouteContext): SandboxAnswer | undefined;
  handle(request: SandboxRequest, context: RouteContext): SandboxAnswer;
  /**
   * The provider's 429 answer (its envelope; the timing headers are added by the limiter).
   * Undefined for an endpoint outside the API's rate limits (a token endpoint on its own host).
   */
  rateLimited?(): SandboxAnswer;
  /** A 5xx (an injected fault) in the provider's error envelope. */
  serverError(status: number, message: string): SandboxAnswer;
}

/** The Bearer token of a request, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
  return match?.[1];
}
