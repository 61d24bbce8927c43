import { type Auth, AuthUnavailable } from "../auth/types.js";
import type { AcceptedRow, BatchVerdict, Driver, ProviderError, RowOutcome } from "../drivers/types.js";
import { AddlistError } from "../errors.js";
import { backoffMs, type BackoffPolicy } from "../http/backoff.js";
import { type HttpAnswer, type HttpClient, TransportError } from "../http/client.js";
import type { Clock } from "../http/clock.js";
import { type HeaderBag, header, parseRetryAfter, serverWaitMs } from "../http/retry-timing.js";
import { QuotaWait, type Throttle, type Ticket } from "../http/throttle.js";
import type { InputRecord } from "../input/table.js";
import type { RowResult, RowStatus } from "../report/row-result.js";
import { type CapacityWatch, inDoubt } from "./capacity-watch.js";
import type { RunControl } from "./run-control.js";

/**
 * A row on its way, and its report record in the making: `not_sent` until it settles,
 * then filled in where it settles (one object per row on the hot path, not two).
 */
export interface PendingRow extends RowResult {
  readonly check: AcceptedRow;
  /** A request carrying this row may have been applied without our knowing. */
  ambiguous: boolean;
}

/** `ambiguous`: an earlier run's request may already have applied the row (see ResumeState). */
export function pendingRow(record: InputRecord, check: AcceptedRow, ambiguous: boolean): PendingRow {
  return { record, key: check.key, status: "not_sent", code: undefined, message: undefined, attempts: 0, httpStatus: undefined, check, ambiguous };
}

export interface RunStats {
  requests: number;
  retries: number;
  rateLimited: number;
  splitRequests: number;
}

export interface SendContext {
  driver: Driver;
  client: HttpClient;
  /** The base URL's path, put before every driver path. */
  basePath: string;
  auth: Auth;
  throttle: Throttle;
  control: RunControl;
  clock: Clock;
  backoff: BackoffPolicy;
  retries: number;
  stats: RunStats;
  capacity: CapacityWatch;
  /** Records results in the report and the counts. */
  settle(results: RowResult[]): void;
  /** Called after every answer or failed attempt, for `--verbose`. */
  trace?: ((event: AttemptTrace) => void) | undefined;
}

export interface AttemptTrace {
  path: string;
  rows: number;
  status?: number | undefined;
  error?: string | undefined;
  ms: number;
}

/** Extra requests allowed to isolate rows in one batch the provider refused without naming them. */
export const MAX_SPLIT_REQUESTS = 64;
/** How long a token endpoint's 429 without a Retry-After holds requests back. */
const TOKEN_RATE_LIMIT_PAUSE_MS = 1000;
/** Batches in a row that fail after all retries before the run stops instead of hammering. */
export const BREAKER_THRESHOLD = 5;

type PartVerdict = (BatchVerdict | { kind: "unsent" }) & { startedAs?: number };

/**
 * Takes one batch to a settled state: retries transient failures, waits out rate limits,
 * drops rows the provider names and re-sends the rest, halves batches refused without
 * names, and reports every row exactly once. Returns whether the batch failed outright.
 */
/**
 * `confirming`: the batch is re-sent only to learn whether held rows made it into a capped
 * list, so a partial answer is no longer held but left in doubt.
 */
export async function settleBatch(batch: PendingRow[], ctx: SendContext, confirming = false): Promise<{ failed: boolean }> {
  const parts: PendingRow[][] = [batch];
  let splitBudget = MAX_SPLIT_REQUESTS;
  let failed = false;
  for (let part = parts.shift(); part !== undefined; part = parts.shift()) {
    const verdict: PartVerdict = ctx.control.stopped ? { kind: "unsent" } : await sendPart(part, ctx);
    switch (verdict.kind) {
      case "settled": {
        const results = part.map((row, i) => settledResult(row, verdict.outcomes[i]));
        if (verdict.roomLeft === true && verdict.startedAs !== undefined) ctx.settle(ctx.capacity.roomShown(verdict.startedAs));
        if (verdict.provisional !== true) ctx.settle(results);
        else if (!confirming) ctx.capacity.hold(results, ctx.stats.requests);
        else ctx.settle(results.map((row) => inDoubt(row, "unconfirmed", "whether the list's cap left some of these out is unknown; run again with --resume")));
        break;
      }
      case "reject_rows": {
        const rest = part.filter((_, i) => !verdict.rejected.has(i));
        ctx.settle(part.flatMap((row, i) => (verdict.rejected.has(i) ? [result(row, "rejected", verdict.rejected.get(i))] : [])));
        if (rest.length > 0) parts.unshift(rest);
        break;
      }
      case "split":
        if (part.length === 1) ctx.settle([result(part[0] as PendingRow, "rejected", verdict)]);
        else if (splitBudget >= 2) {
          splitBudget -= 2;
          ctx.stats.splitRequests += 2;
          const middle = part.length >> 1;
          parts.unshift(part.slice(0, middle), part.slice(middle));
        } else {
          const message = `${verdict.message} (the rows at fault could not be isolated within ${MAX_SPLIT_REQUESTS} extra requests)`;
          ctx.settle(part.map((row) => result(row, "failed", { code: verdict.code, message })));
          failed = true;
        }
        break;
      case "fail":
        ctx.settle(part.map((row) => result(row, "failed", verdict)));
        failed = true;
        break;
      case "stop":
        ctx.control.stop({ kind: "provider", code: verdict.code, message: verdict.message, listFull: verdict.listFull });
        if (verdict.listFull === true) ctx.settle(ctx.capacity.listFull());
        // The rows of the request that met the refusal keep its code; a full list's rows are all `list_full`.
        ctx.settle(part.map((row) => unsent(row, verdict.listFull === true ? { code: "list_full", message: verdict.message } : verdict)));
        break;
      case "unsent":
        ctx.settle(part.map((row) => unsent(row, ctx.control.unsentBecause())));
        break;
    }
  }
  return { failed };
}

/** Sends one request until it gets an answer the driver can read, or gives up. */
async function sendPart(part: PendingRow[], ctx: SendContext): Promise<PartVerdict> {
  const sent = part.map((row) => row.check);
  const { path, body } = ctx.driver.request(sent);
  const fullPath = ctx.basePath + path;
  let retry = 0;
  let refreshed = false;
  /** When this request first met a rate limit: one that never lifts is a quota too. */
  let rateLimitedSince: number | undefined;

  /** A failure that may pass: waits and goes round again (undefined), or gives up. */
  const retryLater = async (failure: ProviderError, toldMs: number): Promise<PartVerdict | undefined> => {
    if (retry >= ctx.retries) return { kind: "fail", code: failure.code, message: `${failure.message} (${attempts(retry)})` };
    // A provider down for longer than the user will wait is a quota, not a blip.
    if (toldMs > ctx.throttle.maxWaitMs) return quotaStop(toldMs);
    return (await pause(Math.max(toldMs, backoffMs(ctx.backoff, retry++)), ctx)) ? undefined : { kind: "unsent" };
  };
  /** A 429 (the throttle now holds every request back as the server asked); no retry is used up. */
  const rateLimited = (headers: HeaderBag): PartVerdict | undefined => {
    ctx.stats.rateLimited++;
    const now = ctx.clock.now();
    rateLimitedSince ??= now;
    return now - rateLimitedSince > ctx.throttle.maxWaitMs ? quotaStop(serverWaitMs(headers, now) ?? 0) : undefined;
  };
  const quotaStop = (waitMs: number): PartVerdict => {
    ctx.control.stop({ kind: "quota", resumeAt: ctx.clock.now() + waitMs });
    return { kind: "unsent" };
  };

  for (;;) {
    let ticket: Ticket;
    try {
      ticket = await ctx.throttle.acquire(ctx.control.waitSignal);
    } catch (error) {
      if (error instanceof QuotaWait) ctx.control.stop({ kind: "quota", resumeAt: error.resumeAt });
      else if (!ctx.control.stopped) throw error;
      return { kind: "unsent" };
    }
    const auth = await authStep(() => ctx.auth.headers(ctx.control.requestSignal), ctx);
    if (!auth.ok) {
      const { unavailable } = auth;
      if (unavailable === undefined) {
        ctx.throttle.release(ticket);
        return auth.verdict;
      }
      const verdict = await authUnavailable(unavailable, ticket);
      if (verdict !== undefined) return verdict;
      continue;
    }
    const headers = auth.value;
    for (const row of part) row.attempts++;
    const startedAs = ++ctx.stats.requests;
    const started = ctx.clock.now();
    let answer: HttpAnswer;
    try {
      answer = await ctx.client.post(fullPath, { ...headers, "content-type": "application/json" }, body, ctx.control.requestSignal);
    } catch (error) {
      ctx.throttle.release(ticket);
      if (!(error instanceof TransportError)) throw error;
      ctx.trace?.({ path: fullPath, rows: part.length, error: error.message, ms: ctx.clock.now() - started });
      if (error.mayHaveApplied) for (const row of part) row.ambiguous = true;
      if (error.code === "aborted") return { kind: "unsent" };
      const verdict = await retryLater(error, 0);
      if (verdict !== undefined) return verdict;
      continue;
    }
    ctx.throttle.release(ticket, answer.status, answer.headers);
    ctx.trace?.({ path: fullPath, rows: part.length, status: answer.status, ms: ctx.clock.now() - started });
    for (const row of part) row.httpStatus = answer.status;
    if (answer.status === 429) {
      const verdict = rateLimited(answer.headers);
      if (verdict !== undefined) return verdict;
      continue;
    }
    rateLimitedSince = undefined;
    if (answer.status >= 500) {
      for (const row of part) row.ambiguous = true;
      // Only Retry-After speaks of the outage: a rate-limit reset (midnight, for a daily quota) does not.
      const verdict = await retryLater(ctx.driver.describeError(answer), parseRetryAfter(header(answer.headers, "retry-after"), ctx.clock.now()) ?? 0);
      if (verdict !== undefined) return verdict;
      continue;
    }
    if (answer.status === 413) return { kind: "split", code: "payload_too_large", message: "the provider refused the request as too large (HTTP 413)" };
    if (answer.status >= 300 && answer.status < 400) return redirected(answer);
    if (answer.status === 401 && !refreshed && ctx.auth.refresh !== undefined) {
      refreshed = true;
      const refresh = ctx.auth.refresh;
      const renewed = await authStep(() => refresh(ctx.control.requestSignal, headers), ctx);
      if (renewed.ok) {
        if (renewed.value) continue;
      } else {
        if (renewed.unavailable === undefined) return renewed.verdict;
        continue; // the token is cleared: the next round fetches it, and handles a busy endpoint there
      }
    }
    return { ...ctx.driver.interpret(answer, sent), startedAs };
  }

  /**
   * The token endpoint is busy or down. Its 429 pauses every request (none can get far
   * without a token) without teaching the throttle anything about the API's own limits;
   * anything else is retried like a failed request.
   */
  async function authUnavailable(unavailable: AuthUnavailable, ticket: Ticket): Promise<PartVerdict | undefined> {
    ctx.trace?.({ path: fullPath, rows: part.length, error: unavailable.message, ms: 0 });
    ctx.throttle.release(ticket);
    const told = parseRetryAfter(header(unavailable.headers, "retry-after"), ctx.clock.now());
    if (unavailable.status === 429) {
      ctx.throttle.pauseFor(told ?? TOKEN_RATE_LIMIT_PAUSE_MS);
      return rateLimited(unavailable.headers);
    }
    return retryLater({ code: "auth_unavailable", message: unavailable.message }, told ?? 0);
  }
}

type AuthStep<T> = { ok: true; value: T } | { ok: false; verdict: PartVerdict; unavailable?: undefined } | { ok: false; unavailable: AuthUnavailable };

/**
 * Runs a step of authentication (fetching or renewing a token): a refusal becomes a
 * run-level stop, a busy or failing token endpoint a failure to retry, and an abandoned
 * run leaves the rows unsent.
 */
async function authStep<T>(step: () => Promise<T>, ctx: SendContext): Promise<AuthStep<T>> {
  try {
    return { ok: true, value: await step() };
  } catch (error) {
    if (error instanceof AddlistError) return { ok: false, verdict: { kind: "stop", code: error.code, message: error.message } };
    if (ctx.control.requestSignal.aborted) return { ok: false, verdict: { kind: "unsent" } };
    if (error instanceof AuthUnavailable) return { ok: false, unavailable: error };
    throw error;
  }
}

/** Sleeps before a retry; false when the run stopped meanwhile. */
async function pause(ms: number, ctx: SendContext): Promise<boolean> {
  try {
    await ctx.clock.sleep(ms, ctx.control.waitSignal);
  } catch {
    return false;
  }
  ctx.stats.retries++;
  return true;
}

function redirected(answer: HttpAnswer): PartVerdict {
  let where = "";
  try {
    where = ` to ${new URL(header(answer.headers, "location") ?? "").origin}`;
  } catch {
    // no usable Location header
  }
  return {
    kind: "stop",
    code: "redirect",
    message: `the provider answered HTTP ${answer.status} with a redirect${where}; redirects are not followed (check the base URL)`,
  };
}

function attempts(retries: number): string {
  return retries === 0 ? "no retries" : `after ${retries + 1} attempts`;
}

function settledResult(row: PendingRow, outcome: RowOutcome | undefined): PendingRow {
  if (outcome === undefined) return result(row, "failed", { code: "bad_response", message: "the provider's answer has no outcome for this row" });
  // "Already there" after an attempt that may have applied proves nothing about who added it.
  if (outcome.status === "already_present" && row.ambiguous) {
    return result(row, "added_or_present", { code: "retried", message: "in the list; an earlier attempt may have added it" });
  }
  return result(row, outcome.status, outcome);
}

/** Rows not sent because the run stopped: `failed` if an earlier attempt may have applied. */
function unsent(row: PendingRow, why: ProviderError): RowResult {
  if (!row.ambiguous) return result(row, "not_sent", why);
  return result(row, "failed", { code: why.code, message: `${why.message.replace(/^not sent: /, "")}; an earlier attempt may have applied it` });
}

function result(row: PendingRow, status: RowStatus, detail: Partial<ProviderError> | undefined): PendingRow {
  row.status = status;
  row.code = detail?.code;
  row.message = detail?.message;
  return row;
}
