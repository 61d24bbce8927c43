import { type HeaderBag, header } from "./retry-timing.js";

/** A `Date` header is in whole seconds: the server's clock is up to this much ahead of it. */
const DATE_RESOLUTION_MS = 1000;
/** Servers stamp a Date they cache for a second, which may be late to refresh: a clock off by less than this is taken as in step. */
const DATE_SLACK_MS = 1000;

/**
 * The server's clock as its `Date` headers show it, so that the epoch times it sends (a
 * reset in epoch seconds, a Retry-After date) are read right even when the local clock is
 * off by minutes. Each answer bounds the offset: the server's time was at least its Date
 * and less than a second more. The bounds close in as answers arrive at different moments
 * within a second; without any Date header the local clock is trusted.
 */
export class ServerClock {
  /** The server's clock minus ours is at least this (ms)... */
  private low = 0;
  /** ...and at most this. */
  private high = 0;
  private known = false;

  observe(headers: HeaderBag, localNow: number): void {
    const text = header(headers, "date");
    const date = text === undefined ? Number.NaN : Date.parse(text);
    if (Number.isNaN(date)) return;
    const sample = date - localNow;
    // The first Date, or one the bounds cannot hold (a clock was set meanwhile): start over.
    if (!this.known || sample > this.high || sample + DATE_RESOLUTION_MS < this.low) {
      this.known = true;
      this.low = sample;
      this.high = sample + DATE_RESOLUTION_MS;
      return;
    }
    this.low = Math.max(this.low, sample);
    this.high = Math.min(this.high, sample + DATE_RESOLUTION_MS);
  }

  /**
   * The server's time now. Ours, unless its Date headers show ours is off by more than a
   * second beyond what they round away; then never ahead of the server's, so that an
   * epoch reset is not taken as sooner than it comes.
   */
  serverNow(localNow: number): number {
    return localNow + this.offset();
  }

  /** A server time as ours (see serverNow): when to wait until. */
  localTime(serverTime: number): number {
    return serverTime - this.offset();
  }

  private offset(): number {
    return this.low <= DATE_SLACK_MS && this.high >= -DATE_SLACK_MS ? 0 : this.low;
  }

  /** A server time as ours, never later than it really comes: safe to say that something happened before it. */
  localNoLater(serverTime: number): number {
    return serverTime - this.high;
  }
}
