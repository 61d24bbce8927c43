import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HeaderBag } from "../../src/http/retry-timing.js";
import { QuotaWait, Throttle, type Ticket } from "../../src/http/throttle.js";
import { fakeClock } from "../helpers/fake-clock.js";

function throttle(options: Partial<ConstructorParameters<typeof Throttle>[0]> = {}): Throttle {
  return new Throttle({ concurrency: 4, ratePerSecond: undefined, maxWaitMs: 900_000, clock: fakeClock, ...options });
}

const never = new AbortController().signal;

/** Acquires a ticket, moving fake time on a millisecond at a time until it is granted. */
async function acquireSoon(gate: Throttle, notBefore?: number): Promise<Ticket> {
  let ticket: Ticket | undefined;
  const pending = gate.acquire(never, notBefore).then((t) => (ticket = t));
  for (let ms = 0; ms < 120_000; ms++) {
    await vi.advanceTimersByTimeAsync(0);
    if (ticket !== undefined) break;
    await vi.advanceTimersByTimeAsync(1);
  }
  await pending;
  return ticket as Ticket;
}

/** Sends `count` requests one after another, each answered at once with `status` and `headers`. */
async function send(gate: Throttle, count: number, status = 200, headers: HeaderBag = {}): Promise<number[]> {
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    const ticket = await acquireSoon(gate);
    starts.push(ticket.startedAt);
    gate.release(ticket, status, headers);
  }
  return starts;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse("2026-11-23T12:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Throttle", () => {
  it("allows up to the concurrency at once, then waits for a release", async () => {
    const gate = throttle({ concurrency: 2 });
    await send(gate, 2);
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

  it("spaces request starts evenly by --rate", async () => {
    const starts = await send(throttle({ ratePerSecond: 10 }), 3);
    expect([starts[1]! - starts[0]!, starts[2]! - starts[1]!]).toEqual([100, 100]);
  });

  it.each([
    ["an IETF policy", {}, { "ratelimit-policy": '"permin";q=3000;w=60', ratelimit: '"permin";r=2990;t=30' }],
    [
      "X-RateLimit-Limit over the minute the driver names",
      { limitWindowMs: 60_000 },
      { "x-ratelimit-limit": "3000", "x-ratelimit-remaining": "2990", "x-ratelimit-reset": "30" },
    ],
  ])("paces just under the rate the server states: %s", async (_, hints, headers) => {
    const starts = await send(throttle({ hints }), 4, 200, headers);
    // 50 per second, less 2% for timing jitter; the first answer tells it, so the second start is not yet paced.
    expect(starts[3]! - starts[2]!).toBeGreaterThanOrEqual(20);
    expect(starts[3]! - starts[2]!).toBeLessThanOrEqual(21);
  });

  it("does not read a Limit as a rate without the driver naming its window", async () => {
    const starts = await send(throttle(), 4, 200, { "x-ratelimit-limit": "3000", "x-ratelimit-remaining": "2990", "x-ratelimit-reset": "30" });
    expect(starts[3]! - starts[0]!).toBeLessThanOrEqual(3);
  });

  it("delays a 429'd request as long as it says, and returns when; the others are paced, not stopped", async () => {
    const gate = throttle();
    await send(gate, 50);
    const limited = await gate.acquire(never);
    const { retryAt } = gate.release(limited, 429, { "retry-after": "3" });
    expect(retryAt).toBe(Date.now() + 3000);
    const retried = acquireSoon(gate, retryAt);
    const other = await acquireSoon(gate);
    expect(other.startedAt - limited.startedAt).toBeLessThan(100);
    expect((await retried).startedAt).toBe(retryAt);
  });

  it("holds every request back while a limiter that admitted nothing is shut", async () => {
    const gate = throttle();
    const ticket = await gate.acquire(never);
    const { retryAt } = gate.release(ticket, 429, { "retry-after": "3" });
    expect((await acquireSoon(gate)).startedAt).toBe(retryAt);
  });

  it("uses a long window's budget as it comes, counting requests in flight, then pauses until its reset", async () => {
    const gate = throttle({ concurrency: 4 });
    const first = await gate.acquire(never);
    const second = await gate.acquire(never);
    // Two requests left in a window that resets in 120 s, and one more request still in flight.
    gate.release(first, 200, { "x-ratelimit-remaining": "2", "x-ratelimit-reset": "120" });
    const third = await gate.acquire(never);
    expect(third.startedAt).toBe(first.startedAt);
    let fourth: Ticket | undefined;
    const pending = gate.acquire(never).then((t) => (fourth = t));
    await vi.advanceTimersByTimeAsync(119_999);
    expect(fourth).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    gate.release(second, 200, {});
  });

  it("looks at doubling gaps whether a spent budget refilled; with none let in before its reset, it is a window's", async () => {
    const gate = throttle();
    const spent = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Date.parse("2026-11-23T12:00:05Z") / 1000) };
    const [start] = await send(gate, 1, 200, spent);
    // One request a second went out: the looks go 1 s after the budget ran out, then 2 s later, then the reset comes first.
    const looks = await send(gate, 3, 429, spent);
    expect(looks.map((at) => at - start!)).toEqual([1000, 3000, 5000]);
    const windowSpent = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Date.parse("2026-11-23T12:00:10Z") / 1000) };
    gate.release(await acquireSoon(gate), 200, windowSpent);
    expect((await acquireSoon(gate)).startedAt - start!).toBe(10_000);
  });

  it("holds nothing back on a spent budget that refills as it goes (a token bucket)", async () => {
    const gate = throttle();
    const spent = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "5" };
    const [start] = await send(gate, 1, 200, spent);
    // The look is let in, and finds as much left as before: the budget refilled.
    const starts = await send(gate, 4, 200, spent);
    expect(starts[0]! - start!).toBe(1000);
    expect(starts[3]! - starts[0]!).toBeLessThan(10);
  });

  it.each([
    ["30 s ahead", 30_000],
    ["30 s behind", -30_000],
  ])("reads an epoch reset on the server's clock, %s of ours", async (_, skew) => {
    const gate = throttle();
    const serverNow = Date.now() + skew;
    const headers = { date: new Date(serverNow).toUTCString(), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(serverNow / 1000 + 120) };
    const [start] = await send(gate, 1, 200, headers);
    expect((await acquireSoon(gate)).startedAt - start!).toBe(120_000);
  });

  it("refuses to wait longer than --max-wait, telling when to come back", async () => {
    const gate = throttle({ maxWaitMs: 60_000 });
    const ticket = await gate.acquire(never);
    gate.release(ticket, 429, { "retry-after": "3600" });
    const error = await gate.acquire(never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaWait);
    expect((error as QuotaWait).resumeAt).toBe(Date.now() + 3_600_000);
    const notBefore = Date.now() + 120_000;
    expect(
      await throttle({ maxWaitMs: 60_000 })
        .acquire(never, notBefore)
        .catch((e: unknown) => e),
    ).toMatchObject({ resumeAt: notBefore });
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

  it("sends no more than the first round until it is answered, or for twice as long as its first answer took", async () => {
    const gate = throttle({ concurrency: 3 });
    const round = [await gate.acquire(never), await gate.acquire(never), await gate.acquire(never)];
    await vi.advanceTimersByTimeAsync(40);
    gate.release(round[0]!, 200, {});
    const next = acquireSoon(gate);
    await vi.advanceTimersByTimeAsync(10);
    gate.release(round[1]!, 200, {});
    expect((await next).startedAt - round[0]!.startedAt).toBe(80);
    gate.release(round[2]!, 200, {});
    const starts = await send(gate, 3);
    expect(starts[2]! - starts[0]!).toBe(0);
  });
});

describe("Throttle without usable timing", () => {
  it.each([
    ["Retry-After: 0", { "retry-after": "0" }],
    ["a reset already past", { "x-ratelimit-reset": String(Date.parse("2026-11-23T11:59:00Z") / 1000) }],
    ["no timing at all", {}],
  ])("backs off after a 429 with %s (no storm)", async (_, headers) => {
    const gate = throttle();
    const ticket = await gate.acquire(never);
    const { retryAt } = gate.release(ticket, 429, headers);
    expect(retryAt).toBe(Date.now() + 1000);
    let started = false;
    const next = gate.acquire(never).then(() => (started = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await next;
  });
});
