import { RateMeter } from "./rate-meter.js";

/** The share of its rate a congestion event leaves: a gentle cut, since evenly spaced requests overrun a limit by little. */
const BETA = 0.9;
/** After a cut, the rate climbs back within this long, fast then flattening (CUBIC's concave part)... */
const RECOVERY_MS = 2000;
/** ...to this share of where the congestion came (a little short: a bucket's burst lets an overrun go on for a while)... */
const SHORT_OF = 0.96;
/** ...then probes higher, by this share of it per second: linearly, since a bucket's burst hides an overrun until it is spent... */
const PROBE_GROWTH_PER_S = 0.015;
/** ...and slower against a window, where an overrun shuts it until its reset. */
const WINDOW_PROBE_GROWTH_PER_S = 0.01;
/** A first estimate counts only what a burst let through: from it the rate grows this many times over per second, until the next congestion. */
const SLOW_START_GROWTH_PER_S = 4;
/** One congestion event never takes more than this share of the rate away. */
const DEEPEST_CUT = 0.5;
/** The rate never runs further ahead of what is really sent (after a lull, a surge would meet the limit at once). */
const AHEAD_OF_SENT = 2;

/**
 * `ignored`: nothing new to react to. `cut`: the rate was lowered. `closed`: the pace is
 * not the problem, the limiter is shut until its reset; the caller holds every request
 * until then.
 */
export type CongestionVerdict = "ignored" | "cut" | "closed";

/**
 * The rate learnt from congestion (429s, or a refilling budget run dry) where the server
 * states none. A congestion event cuts it once, however many requests in flight it
 * refuses (cutting for each collapses the rate): requests started before the last event
 * only report that event again, and refusals while we send no faster than the server was
 * admitting are its memory of an earlier overrun, not news. The cut is gentle (BETA),
 * deeper when the last one was not enough: of what was sent since, the server took a
 * share, and the limit is about there. Then the rate climbs back, fast then flattening,
 * and probes slowly higher, to find out whether the limit has risen.
 *
 * The first estimate counts what a burst let through over the server's wait, and grows
 * fast (slow start, as in TCP) until the next congestion. A limiter that shuts whatever the
 * pace is a window: what it let through at first was its budget, and each overrun costs a
 * wait for its reset, so it is probed more slowly.
 *
 * Requests are told apart by their place in the order they were started (`seq`), which
 * says what one could have learnt from another's answer. Rates are requests per second.
 */
export class RateProbe {
  /** The rate at which congestion last came; undefined until it does. */
  private ceiling: number | undefined;
  private cutAt = Number.NEGATIVE_INFINITY;
  /** The first request started after the last event. */
  private eventSeq = Number.NEGATIVE_INFINITY;
  private slowStart = false;
  /** What the limiter let through before its first refusal (per second): a window's rate, or a bucket's burst. */
  private firstSeen: number | undefined;
  /** The limiter has shut whatever the pace: a window. */
  private window = false;
  /** Requests sent since the last event and admitted. */
  private admittedSinceEvent = 0;
  private readonly sentTimes = new RateMeter();
  private readonly admittedTimes = new RateMeter();

  /** The pace it allows now; undefined while no limit was met. */
  rate(now: number): number | undefined {
    if (this.ceiling === undefined) return undefined;
    const seconds = Math.max(0, now - this.cutAt) / 1000;
    const recovery = RECOVERY_MS / 1000;
    let curve: number;
    if (this.slowStart) curve = BETA * this.ceiling * SLOW_START_GROWTH_PER_S ** seconds;
    else if (seconds < recovery) curve = this.ceiling * (SHORT_OF - (SHORT_OF - BETA) * (1 - seconds / recovery) ** 3);
    else curve = this.ceiling * (SHORT_OF + (this.window ? WINDOW_PROBE_GROWTH_PER_S : PROBE_GROWTH_PER_S) * (seconds - recovery));
    return Math.max(BETA * this.ceiling, Math.min(curve, AHEAD_OF_SENT * this.sentTimes.perSecond(now)));
  }

  started(now: number): void {
    this.sentTimes.record(now);
  }

  admitted(seq: number, now: number): void {
    this.admittedTimes.record(now);
    if (seq >= this.eventSeq) this.admittedSinceEvent++;
  }

  /** Requests admitted per second over the `horizonMs` before `now`. */
  admittedRate(now: number, horizonMs = 1000): number {
    return this.admittedTimes.perSecond(now, horizonMs);
  }

  /** Request `seq` met congestion; `nextSeq` is the next request's place; `waitMs`, how long the server asked to wait. */
  congestion(seq: number, nextSeq: number, now: number, waitMs = 0): CongestionVerdict {
    if (seq < this.eventSeq) return "ignored";
    const current = this.rate(now);
    if (current === undefined) return this.firstEstimate(nextSeq, now, waitMs);
    if (current > this.admittedRate(now)) return this.cut(current, nextSeq, now);
    // We send no faster than the server was admitting a moment ago: it is not the pace.
    // Something got through since the last event: the limiter remembers an earlier overrun
    // (a sliding window does, for a window's length). Nothing did: it is shut.
    return this.admittedSinceEvent > 0 ? "ignored" : this.shut(nextSeq);
  }

  private firstEstimate(nextSeq: number, now: number, waitMs: number): CongestionVerdict {
    this.markEvent(nextSeq);
    // What got through over the server's wait (at least a second, less the second a
    // whole-second wait may have been rounded up by) is what it admits, or less.
    const estimate = this.admittedRate(now, Math.max(1000, waitMs - 1000));
    // Nothing admitted lately: no rate to start from, only a wait to sit out.
    if (estimate <= 0) return "closed";
    this.ceiling = estimate;
    this.firstSeen = estimate;
    this.cutAt = now;
    this.slowStart = true;
    return "cut";
  }

  private cut(current: number, nextSeq: number, now: number): CongestionVerdict {
    const share = this.admittedSinceEvent / (this.admittedSinceEvent + 1);
    this.markEvent(nextSeq);
    // In slow start the rate was multiplying: the last half second tells what it had reached.
    const lately = this.slowStart ? Math.max(this.sentTimes.perSecond(now, 500), this.admittedRate(now, 500)) : 0;
    const sent = Math.min(current, Math.max(this.sentTimes.perSecond(now), lately));
    const admitted = this.admittedRate(now);
    // Of what we sent since the last event the server took `share`; and never below what it admitted lately.
    this.ceiling = Math.min(sent, Math.max(sent * share, admitted, sent * DEEPEST_CUT));
    this.cutAt = now;
    this.slowStart = false;
    return "cut";
  }

  private shut(nextSeq: number): CongestionVerdict {
    this.markEvent(nextSeq);
    // A window (or a sliding window full of an overrun): what it let through before its first
    // refusal was its budget, and probing above that costs a wait for its reset.
    this.window = true;
    if (this.ceiling !== undefined) this.ceiling = Math.min(this.ceiling, this.firstSeen ?? Number.POSITIVE_INFINITY);
    this.slowStart = false;
    return "closed";
  }

  private markEvent(nextSeq: number): void {
    this.eventSeq = nextSeq;
    this.admittedSinceEvent = 0;
  }
}
