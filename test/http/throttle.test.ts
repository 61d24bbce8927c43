import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../../src/http/clock.js";
import { QuotaWait, Throttle, type Ticket } from "../../src/http/throttle.js";

/** Fake time: sleeps resolve when the test advances the clock. */
const fakeClock: Clock = {
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

function throttle(options: Partial<ConstructorParameters<typeof Throttle>[0]> = {}): Throttle {
  return new Throttle({ concurrency: 4, ratePerSecond: undefined, maxWaitMs: 900_000, clock: fakeClock, ...options });
}

const never = new AbortController().signal;

/** Acquires a ticket, moving fake time on a millisecond at a time until it is granted. */
async function acquireSoon(gate: Throttle): Promise<Ticket> {
  let ticket: Ticket | undefined;
  const pending = gate.acquire(never).then((t) => (ticket = t));
  for (let ms = 0; ticket === undefined && ms < 60_000; ms++) await vi.advanceTimersByTimeAsync(1);
  await pending;
  return ticket as Ticket;
}

describe("Throttle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2026-11-23T12:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows up to the concurrency at once, then waits for a release", async () => {
    const gate = throttle({ concurrency: 2 });
    const a = await gate.acquire(never);
    await gate.acquire(never);
    let third = false;
    const pending = gate.acquire(never).then(() => (third = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(third).toBe(false);
    gate.release(a, 200, {});
    await pending;
    expect(third).toBe(true);
  });

  it("spaces request starts by --rate", async () => {
    const gate = throttle({ ratePerSecond: 10 });
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ticket = gate.acquire(never).then((t) => {
        starts.push(t.startedAt);
        gate.release(t, 200, {});
      });
      await vi.advanceTimersByTimeAsync(100);
      await ticket;
    }
    expect(starts[1]! - starts[0]!).toBe(100);
    expect(starts[2]! - starts[1]!).toBe(100);
  });

  it("holds every request back for as long as a 429's Retry-After says, and halves concurrency", async () => {
    const gate = throttle({ concurrency: 4 });
    const ticket = await gate.acquire(never);
    gate.release(ticket, 429, { "retry-after": "3" });
    let started = false;
    const next = gate.acquire(never).then(() => (started = true));
    await vi.advanceTimersByTimeAsync(2999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(started).toBe(true);
    // Concurrency was halved: a second request gets in, a third waits for a release.
    await gate.acquire(never);
    let third = false;
    void gate.acquire(never).then(() => (third = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(third).toBe(false);
  });

  it("pauses before a 429 when the server reports no requests left", async () => {
    const gate = throttle();
    const ticket = await gate.acquire(never);
    gate.release(ticket, 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" });
    let started = false;
    const next = gate.acquire(never).then(() => (started = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
  });

  it("uses a reported budget as it comes, counting requests in flight, then pauses until the reset", async () => {
    const gate = throttle({ concurrency: 4 });
    const first = await gate.acquire(never);
    const second = await gate.acquire(never);
    // Two requests left in a window that resets in 10 s, and one more request still in flight.
    gate.release(first, 200, { "x-ratelimit-remaining": "2", "x-ratelimit-reset": "10" });
    const third = await gate.acquire(never);
    expect(third.startedAt).toBe(first.startedAt);
    let fourth: Ticket | undefined;
    const pending = gate.acquire(never).then((t) => (fourth = t));
    await vi.advanceTimersByTimeAsync(9999);
    expect(fourth).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    gate.release(second, 200, {});
  });

  it("learns a pace from a Retry-After-only limiter and stays under it", async () => {
    const gate = throttle({ concurrency: 8 });
    // 50 requests succeed within the first 100 ms, then a 429 asks for 1 s.
    const tickets: Ticket[] = [];
    for (let i = 0; i < 50; i++) {
      const ticket = await gate.acquire(never);
      gate.release(ticket, 200, {});
      tickets.push(ticket);
      await vi.advanceTimersByTimeAsync(2);
    }
    const limited = await gate.acquire(never);
    gate.release(limited, 429, { "retry-after": "1" });
    await vi.advanceTimersByTimeAsync(1000);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ticket = await acquireSoon(gate);
      starts.push(ticket.startedAt);
      gate.release(ticket, 200, {});
    }
    const spacing = (starts[4]! - starts[0]!) / 4;
    // 50 per ~1.1 s at 97%: about 22 ms between starts.
    expect(spacing).toBeGreaterThan(20);
    expect(spacing).toBeLessThan(30);
  });

  it("refuses to wait longer than --max-wait, telling when to come back", async () => {
    const gate = throttle({ maxWaitMs: 60_000 });
    const ticket = await gate.acquire(never);
    gate.release(ticket, 429, { "retry-after": "3600" });
    const error = await gate.acquire(never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaWait);
    expect((error as QuotaWait).resumeAt).toBe(Date.now() + 3_600_000);
  });

  it("sits out its own pacing however long, since only server waits count against --max-wait", async () => {
    const gate = throttle({ maxWaitMs: 0, ratePerSecond: 5 });
    gate.release(await gate.acquire(never), 200, {});
    const started = Date.now();
    gate.release(await acquireSoon(gate), 200, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("holds every request back for a wait imposed elsewhere, and refuses one past --max-wait", async () => {
    const gate = throttle({ maxWaitMs: 5000 });
    gate.pauseFor(2000);
    const started = Date.now();
    gate.release(await acquireSoon(gate), 200, {});
    expect(Date.now() - started).toBe(2000);
    gate.pauseFor(10_000);
    expect(await gate.acquire(never).catch((e: unknown) => e)).toBeInstanceOf(QuotaWait);
  });

  it("wakes waiters when the run stops", async () => {
    const gate = throttle();
    const ticket = await gate.acquire(never);
    gate.release(ticket, 429, { "retry-after": "60" });
    const stop = new AbortController();
    const waiting = gate.acquire(stop.signal).catch((e: unknown) => e);
    stop.abort(new Error("stopping"));
    expect(await waiting).toBeInstanceOf(Error);
  });
});

describe("Throttle without usable timing", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse("2026-11-23T12:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ["Retry-After: 0", { "retry-after": "0" }],
    ["a reset already past", { "x-ratelimit-reset": String(Date.parse("2026-11-23T11:59:00Z") / 1000) }],
    ["no timing at all", {}],
  ])("backs off after a 429 with %s (no storm)", async (_, headers) => {
    const gate = throttle();
    const ticket = await gate.acquire(never);
    gate.release(ticket, 429, headers);
    let started = false;
    const next = gate.acquire(never).then(() => (started = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
  });
});
