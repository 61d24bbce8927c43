import type { Clock } from "./clock.js";
import { FirstRound } from "./first-round.js";
import { policyRate, type RateLimitHints } from "./policy-rate.js";
import { RateProbe } from "./rate-probe.js";
import { type HeaderBag, remaining, resetAt, serverWaitMs } from "./retry-timing.js";
import { ServerClock } from "./server-clock.js";
import { WaitingRoom } from "./waiting-room.js";
import { WindowBudget } from "./window-budget.js";

export type { RateLimitHints } from "./policy-rate.js";

/** The server asked to wait longer than the user allows (`--max-wait`): a quota, not a blip. */
export class QuotaWait extends Error {
  override name = "QuotaWait";
  constructor(readonly resumeAt: number) {
    super(`the provider asked to wait until ${new Date(resumeAt).toISOString()}`);
  }
}

export interface ThrottleOptions {
  /** The most requests in flight (`--concurrency`). */
  concurrency: number;
  /** The most request starts per second (`--rate`), if capped. */
  ratePerSecond: number | undefined;
  /** The longest wait to sit out (`--max-wait`). */
  maxWaitMs: number;
  clock: Clock;
  /** What the driver knows about its provider's rate-limit headers. */
  hints?: RateLimitHints | undefined;
}

export interface Ticket {
  readonly startedAt: number;
  /** Its place in the order requests were started: what a request can have learnt from another's answer. */
  readonly seq: number;
}

/** Pace at this share of a rate the server states, so that timing jitter does not overrun it. */
const HEADROOM = 0.98;
/** The headers that tell of rate limits (Retry-After only comes with a 429). */
const RATE_LIMIT_HEADERS = [
  "ratelimit",
  "ratelimit-policy",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
];
/** A 429 that names no usable wait is retried after 1 s, 2 s, 4 s, ... up to this. */
const LONGEST_BLIND_WAIT_MS = 60_000;

/**
 * One gate shared by every request of a run, so that what one answer teaches about the
 * provider's limits holds back all of them. Request starts are spaced evenly at the
 * slowest of: `--rate`; the rate the server states (an IETF policy, or its Limit over the
 * window the driver names), less a little headroom; and the rate learnt from congestion
 * (RateProbe) where it states none. A budget the server reports holds every request back
 * once spent, until its reset, unless it refills as it goes (WindowBudget). A 429 delays
 * the request it answered for as long as it says; it holds the others back only when the
 * limiter is shut, not merely overrun, since a slower pace fixes an overrun. Server times
 * are read on the server's clock (its Date header). No more than the first round goes out
 * before it is answered (FirstRound). A server-imposed wait longer than `--max-wait`
 * throws QuotaWait instead of sleeping.
 */
export class Throttle {
  private inFlight = 0;
  private started = 0;
  private pausedUntil = 0;
  /** When the last request was due to start, on the even grid the pace lays out. */
  private lastSlot = Number.NEGATIVE_INFINITY;
  private statedRate: number | undefined;
  private blind429s = 0;
  private readonly serverClock = new ServerClock();
  private readonly budget = new WindowBudget();
  private readonly probe = new RateProbe();
  private readonly firstRound: FirstRound;
  private readonly waiting: WaitingRoom;

  constructor(private readonly options: ThrottleOptions) {
    this.firstRound = new FirstRound(options.concurrency);
    this.waiting = new WaitingRoom(options.clock);
  }

  /** The longest wait the run sits out (`--max-wait`). */
  get maxWaitMs(): number {
    return this.options.maxWaitMs;
  }

  /**
   * Resolves when a request may start, never before `notBefore` (a 429's `retryAt`).
   * Throws QuotaWait when a wait the server imposed is longer than --max-wait.
   */
  async acquire(signal: AbortSignal, notBefore = 0): Promise<Ticket> {
    const { clock, maxWaitMs } = this.options;
    for (;;) {
      signal.throwIfAborted();
      const now = clock.now();
      const heldUntil = Math.max(
        this.pausedUntil,
        this.budget.heldUntil(now, () => this.lookGapMs(now)),
      );
      // Only what the server imposes counts against --max-wait; pacing is always sat out.
      if (Math.max(heldUntil, notBefore) - now > maxWaitMs) throw new QuotaWait(Math.max(heldUntil, notBefore));
      if (notBefore > Math.max(now, heldUntil)) {
        await clock.sleep(notBefore - now, signal); // this request's own wait, which holds no other back
        continue;
      }
      const firstRoundOut = this.firstRound.holdsUntil(this.started);
      if (this.inFlight >= this.options.concurrency || this.waiting.pacing || firstRoundOut === Number.POSITIVE_INFINITY) {
        await this.waiting.nextTurn(signal);
        continue;
      }
      const interval = this.intervalMs(now);
      const waitUntil = Math.max(heldUntil, firstRoundOut, this.lastSlot + interval);
      if (waitUntil > now) {
        await this.waiting.pace(waitUntil - now, signal);
        continue;
      }
      this.inFlight++;
      const seq = this.started++;
      this.budget.spend(seq, now);
      // Timers fire late, by a millisecond or more: keep to the grid, or the pace drifts slower.
      const due = this.lastSlot + interval;
      this.lastSlot = now - due < interval ? due : now;
      this.probe.started(now);
      return { startedAt: now, seq };
    }
  }

  /**
   * Every acquired ticket is released once, with the answer's status and headers if there
   * was one. For a 429, `retryAt` is the earliest time this request may be sent again.
   */
  release(ticket: Ticket, status?: number, headers?: HeaderBag): { retryAt?: number } {
    this.inFlight--;
    const now = this.options.clock.now();
    this.firstRound.answered(ticket.seq, ticket.startedAt, now);
    const refused = status === 429;
    const budgetTold = headers !== undefined && this.learn(ticket, headers, now, refused);
    let retryAt: number | undefined;
    if (refused) retryAt = this.rateLimited(ticket, headers ?? {}, now, budgetTold);
    else if (status !== undefined && status < 400) {
      this.probe.admitted(ticket.seq, now);
      this.blind429s = 0;
    }
    this.waiting.answered();
    return retryAt === undefined ? {} : { retryAt };
  }

  /** Holds every request back for a wait imposed elsewhere (a token endpoint's 429); it counts against --max-wait. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }

  /** Reads what an answer says about the limits; returns whether it reported a budget. */
  private learn(ticket: Ticket, headers: HeaderBag, now: number, refused: boolean): boolean {
    // Most answers of an API without limits say nothing of them: no need to read further.
    if (!refused && !RATE_LIMIT_HEADERS.some((name) => headers[name] !== undefined)) return false;
    this.serverClock.observe(headers, now);
    const serverNow = this.serverClock.serverNow(now);
    const reset = resetAt(headers, serverNow);
    this.statedRate = policyRate(headers, reset === undefined ? undefined : reset - serverNow, this.options.hints ?? {}) ?? this.statedRate;
    const left = remaining(headers);
    if (left === undefined || reset === undefined) return false;
    const order = { seq: ticket.seq, nextSeq: this.started };
    const { overdrawn } = this.budget.observe({ remaining: left, resetAt: reset }, !refused, order, now, this.inFlight, this.serverClock);
    // A budget that refills as it goes holds nothing back: running it dry is congestion, met by a slower pace before 429s come.
    if (overdrawn && this.budget.refills) this.congested(ticket, now, undefined);
    return true;
  }

  private rateLimited(ticket: Ticket, headers: HeaderBag, now: number, budgetTold: boolean): number {
    const told = serverWaitMs(headers, this.serverClock.serverNow(now));
    // A wait of nothing (Retry-After: 0, or a reset already past) is no guidance: back off
    // anyway, or this request would come straight back to another 429.
    const wait = told !== undefined && told > 0 ? told : Math.min(LONGEST_BLIND_WAIT_MS, 1000 * 2 ** this.blind429s++);
    const retryAt = now + wait;
    // With a window's budget reported, the budget now holds every request back until its reset.
    if (!budgetTold || this.budget.refills) this.congested(ticket, now, retryAt);
    return retryAt;
  }

  private congested(ticket: Ticket, now: number, retryAt: number | undefined): void {
    const verdict = this.probe.congestion(ticket.seq, this.started, now, retryAt === undefined ? 0 : retryAt - now);
    if (verdict === "closed" && retryAt !== undefined) this.pausedUntil = Math.max(this.pausedUntil, retryAt);
  }

  /** How long after a budget is spent to look whether it refilled: the gap between requests the server admits. */
  private lookGapMs(now: number): number | undefined {
    const rate = this.statedRate ?? this.probe.admittedRate(now);
    return rate > 0 ? 1000 / rate : undefined;
  }

  private intervalMs(now: number): number {
    const stated = this.statedRate === undefined ? undefined : this.statedRate * HEADROOM;
    let rate = Number.POSITIVE_INFINITY;
    for (const limit of [this.options.ratePerSecond, stated, this.probe.rate(now)]) if (limit !== undefined && limit > 0) rate = Math.min(rate, limit);
    return 1000 / rate;
  }
}
