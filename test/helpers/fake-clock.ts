import type { Clock } from "../../src/http/clock.js";

/** Time under vi.useFakeTimers(): sleeps resolve when the test advances the clock. */
export const fakeClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    }),
};

/** Time that passes only when something sleeps: every sleep returns at once, moving the clock on. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(private time = Date.parse("2026-11-23T12:00:00Z")) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
  }
}
