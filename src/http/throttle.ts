import type { Clock } from "./clock.js";
import { type HeaderBag, remaining, resetAt, serverWaitMs } from "./retry-timing.js";

/** The server asked to wait longer than the user allows (`--max-wait`): a quota, not a blip. */
export class QuotaWait extends Error {
  override name = "QuotaWait";
  constructor(readonly resumeAt: number) {
    super(`the provider asked to wait until ${new Date(resumeAt).toISOString()}`);
  }
}

/** What a provider's documentation tells about its limits. */
export interface RateLimitHints {
  /** The window that `X-RateLimit-Limit` counts requests over (LeadLex and Emarsys: a minute). */
  limitWindowMs?: number;
}

export interface ThrottleOptions {
  /** The most requests in flight (`--concurrency`). */
  concurrency: number;
  /** The most request starts per second (`--rate`), if capped. */
  ratePerSecond: number | undefined;
  /** The longest wait to sit out (`--max-wait`). */
  maxWaitMs: number;
  clock: Clock;
  hints?: RateLimitHints;
}

export interface Ticket {
  readonly startedAt: number;
}

const SUCCESS_HISTORY = 4096;
/** Pace at this share of the rate learnt from a 429, to stay just under the limit. */
const HEADROOM = 0.97;
/** After this long without a 429, a learnt pace is allowed to quicken by 1%. */
const CREEP_AFTER_MS = 5000;

/**
 * One gate shared by every request of a run, so that what one request learns about the
 * provider's limits holds back all of them:
 * - a pause: after a 429 (as long as the server says), or when the window budget the
 *   server reports (`X-RateLimit-Remaining`, less the requests still in flight) is spent,
 *   until `X-RateLimit-Reset` (before a 429 happens). The budget is used as it comes, not
 *   spread out: a daily quota is for today, not to be rationed until midnight;
 * - pacing between request starts: `--rate`, or, for servers that only send
 *   `Retry-After`, a rate learnt from how many requests succeeded before the 429;
 * - an adaptive concurrency window: halved on a 429, grown by one per window of successes.
 * A wait longer than `--max-wait` throws QuotaWait instead of sleeping.
 */
export class Throttle {
  private inFlight = 0;
  private window: number;
  private pausedUntil = 0;
  private nextStartAt = 0;
  private learntIntervalMs = 0;
  private budget: { remaining: number; resetAt: number } | undefined;
  private lastAdjustAt = Number.NEGATIVE_INFINITY;
  private lastCreepAt = 0;
  private unexplained429s = 0;
  private readonly successStarts = new Float64Array(SUCCESS_HISTORY);
  private successCount = 0;
  private slotWaiters: (() => void)[] = [];

  constructor(private readonly options: ThrottleOptions) {
    this.window = options.concurrency;
  }

  /** The longest wait the run sits out (`--max-wait`). */
  get maxWaitMs(): number {
    return this.options.maxWaitMs;
  }

  async acquire(signal: AbortSignal, notBefore = 0): Promise<Ticket> {
    const { clock, maxWaitMs } = this.options;
    for (;;) {
      signal.throwIfAborted();
      if (this.inFlight >= Math.floor(this.window)) {
        await this.slotFreed(signal);
        continue;
      }
      const now = clock.now();
      // Only what the server imposes counts against --max-wait; pacing is always sat out.
      const serverUntil = Math.max(this.pausedUntil, this.budgetExhaustedUntil(now), notBefore);
      if (serverUntil - now > maxWaitMs) throw new QuotaWait(serverUntil);
      const waitUntil = Math.max(serverUntil, this.nextStartAt);
      if (waitUntil > now) {
        await clock.sleep(waitUntil - now, signal);
        continue;
      }
      this.inFlight++;
      if (this.budget !== undefined) this.budget.remaining--;
      this.nextStartAt = now + this.intervalMs();
      return { startedAt: now };
    }
  }

  /** Every acquired ticket is released once, with the answer's status and headers if there was one. */
  release(ticket: Ticket, status?: number, headers?: HeaderBag): { retryAt?: number } {
    this.inFlight--;
    const now = this.options.clock.now();
    if (headers !== undefined) this.learnBudget(headers, now);
    if (status === 429) this.onRateLimited(ticket, headers ?? {}, now);
    else if (status !== undefined && status < 400) this.onSuccess(ticket, now);
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
    return status === 429 ? { retryAt: this.pausedUntil } : {};
  }

  /** Holds every request back for a wait imposed elsewhere (a token endpoint's 429); it counts against --max-wait. */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }

  private learnBudget(headers: HeaderBag, now: number): void {
    const left = remaining(headers);
    const reset = resetAt(headers, now);
    if (left === undefined || reset === undefined) return;
    // Requests still in flight will spend from the same window.
    this.budget = { remaining: left - this.inFlight, resetAt: reset };
  }

  private onRateLimited(ticket: Ticket, headers: HeaderBag, now: number): void {
    // A wait of nothing (Retry-After: 0, or a reset already past, as clock skew gives) is no
    // guidance: back off anyway, or every request in flight would turn into a 429 storm.
    const told = serverWaitMs(headers, now);
    const wait = told !== undefined && told > 0 ? told : Math.min(60_000, 1000 * 2 ** this.unexplained429s++);
    this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    // Requests sent before the last adjustment report the same episode: adjust once.
    if (ticket.startedAt < this.lastAdjustAt) return;
    this.lastAdjustAt = now;
    this.window = Math.max(1, this.window / 2);
    if (this.budget === undefined) this.learnRate(Math.max(1000, wait), now);
  }

  /** Without window headers, the pace is learnt from how many requests succeeded over the wait's horizon. */
  private learnRate(horizonMs: number, now: number): void {
    let recent = 0;
    const stored = Math.min(this.successCount, SUCCESS_HISTORY);
    for (let i = 0; i < stored; i++) if ((this.successStarts[i] ?? 0) >= now - horizonMs) recent++;
    if (recent === 0) return;
    this.learntIntervalMs = Math.max(this.learntIntervalMs / HEADROOM, horizonMs / (recent * HEADROOM));
    this.lastCreepAt = now;
  }

  private onSuccess(ticket: Ticket, now: number): void {
    this.successStarts[this.successCount++ % SUCCESS_HISTORY] = ticket.startedAt;
    this.unexplained429s = 0;
    this.window = Math.min(this.options.concurrency, this.window + 1 / this.window);
    if (this.learntIntervalMs > 0 && now - this.lastCreepAt >= CREEP_AFTER_MS && now - this.lastAdjustAt >= CREEP_AFTER_MS) {
      this.learntIntervalMs *= 0.99;
      this.lastCreepAt = now;
    }
  }

  private budgetExhaustedUntil(now: number): number {
    if (this.budget === undefined) return 0;
    if (this.budget.resetAt <= now) {
      this.budget = undefined; // a new window: the next answer will tell its budget
      return 0;
    }
    return this.budget.remaining <= 0 ? this.budget.resetAt : 0;
  }

  private intervalMs(): number {
    const capped = this.options.ratePerSecond === undefined ? 0 : 1000 / this.options.ratePerSecond;
    return Math.max(capped, this.learntIntervalMs);
  }

  private slotFreed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener("abort", onAbort, { once: true });
      this.slotWaiters.push(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
}
