import { RATE_WINDOW_MAX_MS } from "./policy-rate.js";
import type { ServerClock } from "./server-clock.js";

/** What one answer said: requests left, and when they are restored (server clock, epoch ms). */
export interface BudgetReport {
  remaining: number;
  resetAt: number;
}

interface Sighting extends BudgetReport {
  /** The place, in the order requests are started, of the first request started after the answer arrived. */
  nextSeq: number;
}

/** A request's place in the order requests are started (`seq`), and the next one's. */
export interface RequestOrder {
  seq: number;
  nextSeq: number;
}

/** Enough recent answers to find one that arrived before a request now answered was sent. */
const SIGHTINGS = 64;

interface Left {
  /** Requests still to spend, in flight counted. */
  count: number;
  /** When that goes back up (our clock). */
  resetAt: number;
  /** Since when it has been spent, the gap between looks then (see heldUntil), and the looks sent meanwhile. */
  spentAt: number | undefined;
  lookGapMs: number | undefined;
  looks: number;
  lastLookAt: number | undefined;
}

/**
 * The budget the server reports (`X-RateLimit-Remaining` / `-Reset`, the IETF fields),
 * less the requests in flight, which will spend from it too. While it is spent, every
 * request waits for its reset, before any 429 (and a wait past --max-wait is a quota).
 *
 * That is right for a window, whose budget only shrinks until its reset, and wrong for a
 * token bucket or a sliding window, which refill as they go: there a spent budget comes
 * back within a request or two, while the reset they report (when they are full again,
 * in whole seconds) can be a second away. So the budget watches for a refill: a request
 * sent after an answer arrived, admitted before that answer's reset (or reporting the same
 * reset), that finds at least as much left as it said. A window cannot show that: the request took one away. Once
 * seen, a spent budget holds nothing back (the caller treats it as congestion instead).
 *
 * Until then, while a budget is spent and its reset is further off than the gap between
 * requests the server admits (but within a rate's window: a daily quota is not looked at),
 * a request goes ahead to look, after that gap, then twice as long, and so on: admitted,
 * it shows the refill; if none is before the reset, the limiter is a window, and is not
 * looked at again. A few 429s, once, against a second's wait at every spent budget.
 */
export class WindowBudget {
  private left: Left | undefined;
  private readonly sightings: Sighting[] = [];
  private refilling = false;
  private window = false;
  /** The request out looking at a spent budget. */
  private lookSeq: number | undefined;

  get refills(): boolean {
    return this.refilling;
  }

  /**
   * Takes in the report of an answer to a request; `admitted`: it was not refused;
   * `inFlight` counts the requests still out. Returns whether more requests are out than
   * the server said it would still take.
   */
  observe(report: BudgetReport, admitted: boolean, order: RequestOrder, now: number, inFlight: number, clock: ServerClock): { overdrawn: boolean } {
    if (!this.refilling && admitted) this.refilling = this.showsRefill(report, order.seq, now, clock);
    if (this.lookSeq !== undefined && order.seq >= this.lookSeq) this.lookSeq = undefined;
    this.sightings.push({ ...report, nextSeq: order.nextSeq });
    if (this.sightings.length > SIGHTINGS) this.sightings.shift();
    const count = report.remaining - inFlight;
    const spell =
      count <= 0 && this.left?.spentAt !== undefined
        ? this.left
        : { spentAt: count <= 0 ? now : undefined, lookGapMs: undefined, looks: 0, lastLookAt: undefined };
    this.left = { ...spell, count, resetAt: clock.localTime(report.resetAt) };
    return { overdrawn: count < 0 };
  }

  /** Request `seq` goes out now. */
  spend(seq: number, now: number): void {
    const left = this.left;
    if (left === undefined) return;
    if (left.count <= 0) {
      this.lookSeq = seq;
      left.looks++;
      left.lastLookAt = now;
    }
    left.count--;
    if (left.count <= 0) left.spentAt ??= now;
  }

  /**
   * Until when every request waits (0: no wait): the reset of a spent budget that does not
   * refill. `lookGapMs`: the gap between requests the server admits, if known (measured
   * only when a budget is spent, as it costs a scan of recent answers).
   */
  heldUntil(now: number, lookGapMs: () => number | undefined): number {
    const left = this.left;
    if (left === undefined || this.refilling) return 0;
    if (left.resetAt <= now) {
      // Reset with every look refused: a window.
      this.window ||= left.looks > 0;
      this.left = undefined; // the next answer tells the new budget
      this.lookSeq = undefined;
      return 0;
    }
    if (left.count > 0) return 0;
    // The gap as it was when the budget ran out: while requests wait, fewer are admitted.
    const gap = (left.lookGapMs ??= lookGapMs());
    const { resetAt, spentAt = now, lastLookAt = spentAt, looks } = left;
    if (this.window || this.lookSeq !== undefined || gap === undefined || resetAt - now > RATE_WINDOW_MAX_MS) return resetAt;
    return Math.min(resetAt, lastLookAt + gap * 2 ** looks);
  }

  private showsRefill(report: BudgetReport, seq: number, now: number, clock: ServerClock): boolean {
    for (let i = this.sightings.length - 1; i >= 0; i--) {
      const earlier = this.sightings[i] as Sighting;
      if (earlier.nextSeq > seq) continue;
      // The same reset as before is the same window, whatever the clocks: a request it took
      // would have left less. (Needed where the reset is under a second away, within the Date header's rounding.)
      const sameWindow = report.resetAt === earlier.resetAt || now < clock.localNoLater(earlier.resetAt);
      return sameWindow && report.remaining >= earlier.remaining;
    }
    return false;
  }
}
