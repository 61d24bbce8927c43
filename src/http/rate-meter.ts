/** Enough events to measure a second of traffic at any rate a run of addlist reaches. */
const CAPACITY = 4096;

/** Counts recent events (requests sent, requests admitted), to tell how many per second lately. */
export class RateMeter {
  private readonly times = new Float64Array(CAPACITY);
  private count = 0;

  /** Times must not go backwards. */
  record(at: number): void {
    this.times[this.count++ % CAPACITY] = at;
  }

  /** Events per second over the `horizonMs` before `now`. */
  perSecond(now: number, horizonMs = 1000): number {
    const stored = Math.min(this.count, CAPACITY);
    let recent = 0;
    while (recent < stored && (this.times[(this.count - 1 - recent) % CAPACITY] ?? 0) > now - horizonMs) recent++;
    return (recent * 1000) / horizonMs;
  }
}
