import type { Clock } from "./clock.js";

/**
 * Where requests wait to start. One of them, the pacer, sleeps until the pace (or a hold)
 * lets the next go; the others wait for their turn, which comes when it is done or when
 * an answer arrives (it frees a slot, and may bring the next start nearer). One timer at a
 * time, however many wait.
 */
export class WaitingRoom {
  private turns: (() => void)[] = [];
  private pacer: AbortController | undefined;

  constructor(private readonly clock: Clock) {}

  get pacing(): boolean {
    return this.pacer !== undefined;
  }

  /** Sleeps `ms` as the pacer, or less if an answer comes first; rejects when `signal` aborts. */
  async pace(ms: number, signal: AbortSignal): Promise<void> {
    const pacer = new AbortController();
    const onAbort = (): void => pacer.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.pacer = pacer;
    try {
      await this.clock.sleep(ms, pacer.signal).catch(() => {});
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.pacer = undefined;
      this.wakeTurns();
    }
    signal.throwIfAborted();
  }

  /** Resolves at the next answer, or when the pacer is done; rejects when `signal` aborts. */
  nextTurn(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener("abort", onAbort, { once: true });
      this.turns.push(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  /** An answer came: everyone looks again. */
  answered(): void {
    this.pacer?.abort();
    this.wakeTurns();
  }

  private wakeTurns(): void {
    const turns = this.turns;
    this.turns = [];
    for (const wake of turns) wake();
  }
}
