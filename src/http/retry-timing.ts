/**
 * What a server says about when to come back. `Retry-After` wins (delay in seconds or an
 * HTTP date); otherwise `RateLimit-Reset` / `X-RateLimit-Reset`, which servers send either
 * as a delay in seconds or as an epoch time (seconds, or milliseconds): a number too large
 * to be a sensible delay is read as an epoch time.
 */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** From 1e9 seconds (2001) on, a reset value is an epoch time, not a delay. */
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_MILLISECONDS_FROM = 1e12;

export function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Milliseconds from `now` until the server allows another request; undefined when it does not say. */
export function serverWaitMs(headers: HeaderBag, now: number): number | undefined {
  const retryAfter = parseRetryAfter(header(headers, "retry-after"), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = resetAt(headers, now);
  return reset === undefined ? undefined : Math.max(0, reset - now);
}

export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The absolute time (ms) when the current rate-limit window resets, if the server says. */
export function resetAt(headers: HeaderBag, now: number): number | undefined {
  const value = header(headers, "ratelimit-reset") ?? header(headers, "x-ratelimit-reset");
  if (value === undefined) return undefined;
  const number = Number(value.trim());
  if (!Number.isFinite(number) || number < 0 || value.trim() === "") return undefined;
  if (number >= EPOCH_MILLISECONDS_FROM) return number;
  if (number >= EPOCH_SECONDS_FROM) return number * 1000;
  return now + number * 1000;
}

/** Requests left in the current window, if the server says. */
export function remaining(headers: HeaderBag): number | undefined {
  const value = header(headers, "ratelimit-remaining") ?? header(headers, "x-ratelimit-remaining");
  if (value === undefined || value.trim() === "") return undefined;
  const number = Number(value.trim());
  return Number.isFinite(number) && number >= 0 ? Math.floor(number) : undefined;
}
