import { setMaxListeners } from "node:events";
import { vi } from "vitest";
import { type RateLimitHints, Throttle } from "../../src/http/throttle.js";
import { RateLimiter, type RateLimitOptions } from "../../src/sandbox/rate-limit.js";
import { fakeClock } from "../helpers/fake-clock.js";

/** A provider's limiter, and clients sending through one throttle to it, in fake time. */
export interface Scenario {
  limiter: RateLimitOptions;
  /** Requests in flight at most (`--concurrency`). */
  concurrency: number;
  /** Batches in progress, each sending one request after another (default: as many as requests in flight, as the upload runs them). */
  places?: number;
  /** From a request's start to its answer; the limiter counts it halfway. */
  latencyMs: number;
  /** How long the clients keep sending. */
  durationMs: number;
  /** The server's clock against ours, shown in its Date header. */
  skewMs?: number;
  hints?: RateLimitHints;
}

export interface Outcome {
  admitted: number;
  refused: number;
  /** Requests admitted per second ÷ the limiter's long-run rate. */
  useOfLimit: number;
  /** Share of requests answered 429. */
  share429: number;
  /** Retries of a 429'd request sent sooner than it said: must be none. */
  early: number;
}

/**
 * Runs the scenario with vi fake timers (the caller turns them on): every client sends
 * one request after another through the throttle, and a 429'd request again once the
 * throttle allows, never sooner than it said.
 */
export async function simulate(scenario: Scenario): Promise<Outcome> {
  const { limiter: limits, concurrency, latencyMs, durationMs, skewMs = 0 } = scenario;
  const limiter = new RateLimiter(limits);
  const throttle = new Throttle({ concurrency, ratePerSecond: undefined, maxWaitMs: 900_000, clock: fakeClock, hints: scenario.hints });
  const stop = new AbortController();
  const never = new AbortController().signal;
  // Every client waits on them, as every request of a run waits on the run's signals.
  setMaxListeners(4 * concurrency, stop.signal, never);
  const outcome = { admitted: 0, refused: 0, early: 0 };
  const client = async (): Promise<void> => {
    let notBefore: number | undefined;
    while (!stop.signal.aborted) {
      const ticket = await throttle.acquire(stop.signal, notBefore).catch(() => undefined);
      if (ticket === undefined) return;
      if (notBefore !== undefined && ticket.startedAt < notBefore) outcome.early++;
      await fakeClock.sleep(latencyMs / 2, never);
      const { refused, headers } = limiter.admit(Date.now() + skewMs);
      await fakeClock.sleep(latencyMs / 2, never);
      const date = skewMs === 0 ? {} : { date: new Date(Date.now() + skewMs).toUTCString() };
      notBefore = throttle.release(ticket, refused ? 429 : 200, { ...headers, ...date }).retryAt;
      if (refused) outcome.refused++;
      else outcome.admitted++;
    }
  };
  const clients = Array.from({ length: scenario.places ?? concurrency }, client);
  await vi.advanceTimersByTimeAsync(durationMs);
  stop.abort(new Error("the simulation is over"));
  await vi.advanceTimersByTimeAsync(latencyMs + 1);
  await Promise.all(clients);
  const longRunRate = ((limits.limit ?? 0) / (limits.windowMs ?? 1)) * 1000;
  const requests = outcome.admitted + outcome.refused;
  return { ...outcome, useOfLimit: outcome.admitted / (durationMs / 1000) / longRunRate, share429: requests === 0 ? 0 : outcome.refused / requests };
}
