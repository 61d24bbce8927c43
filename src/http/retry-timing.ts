import { ietfCurrentLimit } from "./ietf-rate-limit.js";

/**
 * What a server says about when to come back. `Retry-After` wins (delay in seconds or an
 * HTTP date); otherwise the reset of its rate limit: the IETF `RateLimit` field's `t`, or
 * `RateLimit-Reset` / `X-RateLimit-Reset`, which servers send either as a delay in seconds
 * or as an epoch time (seconds, or milliseconds): a number too large to be a sensible
 * delay is read as an epoch time. Dates and epoch times are the server's: pass the
 * server's clock as `now` where it is known (see ServerClock).
 */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** From 1e9 seconds (2001) on, a reset value is an epoch time, not a delay. */
const EPOCH_SECONDS_FROM = 1e9;
const EPOCH_MILLISECONDS_FROM = 1e12;
/**
 * No server wait is read as longer than this: a value beyond it is absurd, and one beyond
 * what a Date can hold would break every message that names the time to resume.
 */
const LONGEST_SERVER_WAIT_MS = 366 * 24 * 3600 * 1000;

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
  if (/^\d+(\.\d+)?$/.test(text)) return clampWait(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : clampWait(date - now);
}

/** The absolute time (ms) when the current rate-limit window resets, if the server says. */
export function resetAt(headers: HeaderBag, now: number): number | undefined {
  const ietf = ietfCurrentLimit((name) => header(headers, name));
  if (ietf?.resetSeconds !== undefined) return now + clampWait(ietf.resetSeconds * 1000);
  return firstValid(headers, ["ratelimit-reset", "x-ratelimit-reset"], (number) => {
    if (number >= EPOCH_MILLISECONDS_FROM) return now + clampWait(number - now);
    if (number >= EPOCH_SECONDS_FROM) return now + clampWait(number * 1000 - now);
    return now + clampWait(number * 1000);
  });
}

/** Requests left in the current window, if the server says. */
export function remaining(headers: HeaderBag): number | undefined {
  return ietfCurrentLimit((name) => header(headers, name))?.remaining ?? firstValid(headers, ["ratelimit-remaining", "x-ratelimit-remaining"], Math.floor);
}

/** The first of the headers that holds a non-negative number, read by `read`: a garbled one does not hide a good one. */
function firstValid(headers: HeaderBag, names: readonly string[], read: (number: number) => number): number | undefined {
  for (const name of names) {
    const text = header(headers, name)?.trim();
    if (text === undefined || text === "") continue;
    const number = Number(text);
    if (Number.isFinite(number) && number >= 0) return read(number);
  }
  return undefined;
}

function clampWait(ms: number): number {
  return Math.min(LONGEST_SERVER_WAIT_MS, Math.max(0, ms));
}
