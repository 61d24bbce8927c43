/**
 * The first round of requests, sent before anything is known of the limits. No more go
 * until it is answered, or for twice as long as its first answer took (a slow request does
 * not hold the run): a limiter with a small burst refuses most of a round, follow-ups sent
 * meanwhile would be refused too, and each refused request waits out its Retry-After in
 * its slot, until no slot is left to send from.
 */
export class FirstRound {
  private unanswered: number;
  private firstAnswer: { at: number; tookMs: number } | undefined;

  constructor(private readonly size: number) {
    this.unanswered = size;
  }

  /** Request `seq`, started at `startedAt`, was answered (or failed) at `now`. */
  answered(seq: number, startedAt: number, now: number): void {
    if (seq >= this.size) return;
    this.unanswered--;
    this.firstAnswer ??= { at: now, tookMs: now - startedAt };
  }

  /** Until when the next request waits, `started` having started so far: 0 for no wait, infinity until the first answer. */
  holdsUntil(started: number): number {
    if (started < this.size || this.unanswered === 0) return 0;
    return this.firstAnswer === undefined ? Number.POSITIVE_INFINITY : this.firstAnswer.at + this.firstAnswer.tookMs;
  }
}
