import { credentialsFor, type CredentialStep, renewedAfter401 } from "../auth/steps.js";
import type { Auth } from "../auth/types.js";
import type { BatchVerdict, Driver, ProviderError, SentRow, StopCause } from "../drivers/types.js";
import { type HttpAnswer, TransportError } from "../http/answer.js";
import type { Clock } from "../http/clock.js";
import { answerAction, backoffMs, outageWaitMs, type RetryPolicy } from "../http/retry-policy.js";
import { header, parseRetryAfter } from "../http/retry-timing.js";
import { QuotaWait, type Throttle, type Ticket } from "../http/throttle.js";
import type { RunControl } from "./run-control.js";

/** What each status that refuses the run is about (402, no credits, is about none of these). */
const CAUSES: Partial<Record<number, StopCause>> = { 401: "credentials", 403: "credentials", 404: "target", 410: "target", 409: "full" };

/** How long a token endpoint's 429 without a Retry-After holds requests back. */
const TOKEN_RATE_LIMIT_PAUSE_MS = 1000;

export interface HttpPoster {
  post(path: string, headers: Record<string, string>, body: string, abort?: AbortSignal): Promise<HttpAnswer>;
}

export interface RunStats {
  requests: number;
  retries: number;
  rateLimited: number;
  splitRequests: number;
}

/** Everything one request needs to be sent, retried and read. */
export interface SendContext {
  driver: Driver;
  client: HttpPoster;
  /** The base URL's path, put before every driver path. */
  basePath: string;
  auth: Auth;
  throttle: Throttle;
  control: RunControl;
  clock: Clock;
  policy: RetryPolicy;
  stats: RunStats;
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

/**
 * What became of a request, as data: the driver's reading of the answer, or
 * - `unsent`: the run stopped before it could be sent (again);
 * - `stop`: a refusal of the whole run (credentials, target, a redirect);
 * - `quota`: the provider asked to wait past `--max-wait`.
 */
export type PartVerdict = BatchVerdict | { kind: "unsent" } | { kind: "quota"; resumeAt: number };

export interface SendOutcome {
  verdict: PartVerdict;
  /** Requests that carried these rows. */
  requests: number;
  /** A request carrying them may have been applied without our knowing. */
  ambiguous: boolean;
  /** The status of the last answer. */
  httpStatus?: number | undefined;
  /** Which request of the run the answer was to (for a capped list's bookkeeping). */
  startedAs?: number | undefined;
}

/** Bookkeeping of one request's attempts. */
interface Attempts {
  readonly rows: readonly SentRow[];
  readonly path: string;
  readonly body: string;
  requests: number;
  retries: number;
  ambiguous: boolean;
  httpStatus: number | undefined;
  renewed: boolean;
  /** When this request first met a rate limit: one that never lifts is a quota too. */
  limitedSince: number | undefined;
  /** A 429 told this request not to come back before then. */
  notBefore: number;
}

/** Sends one request until it gets an answer the driver can read, or gives up. */
export async function sendPart(rows: readonly SentRow[], ambiguous: boolean, ctx: SendContext): Promise<SendOutcome> {
  const { path, body } = ctx.driver.request(rows);
  const attempts: Attempts = {
    rows,
    path: ctx.basePath + path,
    body,
    requests: 0,
    retries: 0,
    ambiguous,
    httpStatus: undefined,
    renewed: false,
    limitedSince: undefined,
    notBefore: 0,
  };
  for (;;) {
    const step = await attemptOnce(attempts, ctx);
    if (step === undefined) continue;
    return { verdict: step.verdict, requests: attempts.requests, ambiguous: attempts.ambiguous, httpStatus: attempts.httpStatus, startedAs: step.startedAs };
  }
}

type Step = { verdict: PartVerdict; startedAs?: number } | undefined;

/** One attempt: a place in the throttle, credentials, the request, and what its answer asks. */
async function attemptOnce(attempts: Attempts, ctx: SendContext): Promise<Step> {
  let ticket: Ticket;
  try {
    ticket = await ctx.throttle.acquire(ctx.control.waitSignal, attempts.notBefore);
  } catch (error) {
    if (error instanceof QuotaWait) return { verdict: { kind: "quota", resumeAt: error.resumeAt } };
    if (!ctx.control.stopped) throw error;
    return { verdict: { kind: "unsent" } };
  }
  const credentials = await credentialsFor(ctx.auth, ctx.control.requestSignal);
  if (credentials.kind !== "headers") {
    ctx.throttle.release(ticket);
    return credentialTrouble(credentials, attempts, ctx);
  }
  attempts.requests++;
  const startedAs = ++ctx.stats.requests;
  const started = ctx.clock.now();
  let answer: HttpAnswer;
  try {
    answer = await ctx.client.post(attempts.path, { ...credentials.headers, "content-type": "application/json" }, attempts.body, ctx.control.requestSignal);
  } catch (error) {
    ctx.throttle.release(ticket);
    if (!(error instanceof TransportError)) throw error;
    ctx.trace?.({ path: attempts.path, rows: attempts.rows.length, error: error.message, ms: ctx.clock.now() - started });
    if (error.mayHaveApplied) attempts.ambiguous = true;
    if (error.code === "aborted") return { verdict: { kind: "unsent" } };
    return retryLater(error, 0, attempts, ctx);
  }
  const { retryAt } = ctx.throttle.release(ticket, answer.status, answer.headers);
  ctx.trace?.({ path: attempts.path, rows: attempts.rows.length, status: answer.status, ms: ctx.clock.now() - started });
  attempts.httpStatus = answer.status;
  const step = await readAnswer(answer, retryAt, credentials.headers, attempts, ctx);
  return step === undefined ? undefined : { ...step, startedAs };
}

/** What the answer asks for (see `answerAction`); the driver reads only what concerns rows. */
async function readAnswer(answer: HttpAnswer, retryAt: number | undefined, sent: Record<string, string>, attempts: Attempts, ctx: SendContext): Promise<Step> {
  const action = answerAction(answer.status);
  if (action !== "rate_limited") attempts.limitedSince = undefined;
  switch (action) {
    case "rate_limited":
      return rateLimited(retryAt, attempts, ctx);
    case "retry":
      attempts.ambiguous = true;
      return retryLater(ctx.driver.describeError(answer), outageWaitMs(answer.headers, ctx.clock.now()), attempts, ctx);
    case "halve":
      return { verdict: { kind: "split", code: "payload_too_large", message: "the provider refused the request as too large (HTTP 413)" } };
    case "redirect":
      return { verdict: redirected(answer) };
    case "refuse_run":
      if (answer.status === 401 && !attempts.renewed) {
        attempts.renewed = true;
        const renewed = await renewedAfter401(ctx.auth, ctx.control.requestSignal, sent);
        if (renewed !== undefined) return renewed.kind === "headers" ? undefined : credentialTrouble(renewed, attempts, ctx);
      }
      return { verdict: { kind: "stop", ...ctx.driver.describeError(answer), cause: CAUSES[answer.status] } };
    case "read":
      return { verdict: ctx.driver.interpret(answer, attempts.rows) };
  }
}

/** A 429: the throttle holds every request back as it sees fit; this one waits at least as long as it was told. */
function rateLimited(retryAt: number | undefined, attempts: Attempts, ctx: SendContext): Step {
  ctx.stats.rateLimited++;
  const now = ctx.clock.now();
  attempts.limitedSince ??= now;
  // retryAt was read on the server's clock: a local clock that is off does not move "resume after".
  if (now - attempts.limitedSince > ctx.throttle.maxWaitMs) return { verdict: { kind: "quota", resumeAt: retryAt ?? now } };
  attempts.notBefore = retryAt ?? 0;
  return undefined;
}

/** A failure that may pass: waits and goes round again (undefined), or gives up. */
async function retryLater(failure: ProviderError, toldMs: number, attempts: Attempts, ctx: SendContext): Promise<Step> {
  if (attempts.retries >= ctx.policy.retries) {
    const tries = attempts.retries === 0 ? "no retries" : `after ${attempts.retries + 1} attempts`;
    return { verdict: { kind: "fail", code: failure.code, message: `${failure.message} (${tries})` } };
  }
  // A provider down for longer than the user will wait is a quota, not a blip.
  if (toldMs > ctx.throttle.maxWaitMs) return { verdict: { kind: "quota", resumeAt: ctx.clock.now() + toldMs } };
  try {
    await ctx.clock.sleep(Math.max(toldMs, backoffMs(ctx.policy, attempts.retries)), ctx.control.waitSignal);
  } catch {
    return { verdict: { kind: "unsent" } };
  }
  attempts.retries++;
  ctx.stats.retries++;
  return undefined;
}

/**
 * Credentials could not be had. A refusal stops the run; the token endpoint's 429 pauses
 * every request (none can get far without a token) without teaching the throttle anything
 * about the API's own limits; anything else is retried like a failed request.
 */
function credentialTrouble(step: Exclude<CredentialStep, { kind: "headers" }>, attempts: Attempts, ctx: SendContext): Step | Promise<Step> {
  if (step.kind === "refused") return { verdict: { kind: "stop", code: step.code, message: step.message, cause: "credentials" } };
  if (step.kind === "abandoned") return { verdict: { kind: "unsent" } };
  const { unavailable } = step;
  ctx.trace?.({ path: attempts.path, rows: attempts.rows.length, error: unavailable.message, ms: 0 });
  const told = parseRetryAfter(header(unavailable.headers, "retry-after"), ctx.clock.now());
  if (unavailable.status === 429) {
    const pause = told ?? TOKEN_RATE_LIMIT_PAUSE_MS;
    ctx.throttle.pauseFor(pause);
    return rateLimited(ctx.clock.now() + pause, attempts, ctx);
  }
  return retryLater({ code: "auth_unavailable", message: unavailable.message }, told ?? 0, attempts, ctx);
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
