import type { HeaderBag } from "../http/retry-timing.js";

/** How requests prove who they are. */
export interface Auth {
  /**
   * Headers for one attempt: computed per attempt, since WSSE needs a fresh nonce every
   * time. `signal` abandons any fetching (an OAuth2 token) when the run is abandoned.
   */
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /**
   * After a 401 to a request sent with `rejected` headers: fetches new credentials (unless
   * another request already did), so that the request may be repeated once.
   */
  refresh?(signal: AbortSignal, rejected: Record<string, string>): Promise<void>;
}

/**
 * Credentials cannot be had just now (the token endpoint is rate-limiting, failing or out
 * of reach): the attempt is retried like a failed request, never a reason to stop the run.
 */
export class AuthUnavailable extends Error {
  override name = "AuthUnavailable";
  constructor(
    message: string,
    /** 429: a rate limit, waited out without using up a retry. */
    readonly status: number | undefined,
    /** The token endpoint's answer headers (its `Retry-After`). */
    readonly headers: HeaderBag,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
