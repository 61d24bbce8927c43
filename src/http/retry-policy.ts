import { header, type HeaderBag, parseRetryAfter } from "./retry-timing.js";

/**
 * What an answer's status asks of the sender, decided here for every provider before a
 * driver reads the answer:
 * - `read`: the driver reads it (2xx, and the 4xx that concern rows);
 * - `rate_limited`: 429, waited out without using up a retry;
 * - `retry`: 5xx, retried with backoff (the request may have been applied);
 * - `halve`: 413, the batch is split;
 * - `redirect`: never followed (it would carry credentials elsewhere): stops the run;
 * - `refuse_run`: a bad key (401), no credits (402), no permission (403), an unknown (404),
 *   full (409) or deleted (410) target: every later batch would meet the same answer.
 */
export type AnswerAction = "read" | "rate_limited" | "retry" | "halve" | "redirect" | "refuse_run";

const RUN_LEVEL_STATUSES = new Set([401, 402, 403, 404, 409, 410]);

export function answerAction(status: number): AnswerAction {
  if (status === 429) return "rate_limited";
  if (status >= 500) return "retry";
  if (status === 413) return "halve";
  if (status >= 300 && status < 400) return "redirect";
  if (RUN_LEVEL_STATUSES.has(status)) return "refuse_run";
  return "read";
}

/** Retries of one request after a 5xx, a network error or a timeout: exponential backoff with full jitter. */
export interface RetryPolicy {
  retries: number;
  baseMs: number;
  capMs: number;
}

export function retryPolicy(retries: number): RetryPolicy {
  return { retries, baseMs: 250, capMs: 20_000 };
}

/** A random wait in [0, min(cap, base·2^attempt)); `attempt` counts retries already made. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * How long a failed answer asks to wait: only a 5xx's `Retry-After` speaks of an outage. The
 * rate-limit reset that some providers send on every answer (midnight, for a daily quota)
 * does not.
 */
export function outageWaitMs(headers: HeaderBag | undefined, now: number): number {
  return headers === undefined ? 0 : (parseRetryAfter(header(headers, "retry-after"), now) ?? 0);
}
