import { describe, expect, it } from "vitest";
import { ietfCurrentLimit, ietfPolicies } from "../../src/http/ietf-rate-limit.js";
import { policyRate } from "../../src/http/policy-rate.js";
import { type HeaderBag, header, parseRetryAfter, remaining, resetAt } from "../../src/http/retry-timing.js";
import { ServerClock } from "../../src/http/server-clock.js";
import { parseStructuredField } from "../../src/http/structured-fields.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");
const get = (headers: HeaderBag) => (name: string) => header(headers, name);

describe("structured fields", () => {
  it.each([
    ["a named item with parameters", '"default";r=50;t=30', [{ key: undefined, value: "default", params: { r: 50, t: 30 } }]],
    [
      "a list of items",
      '"burst";r=2;t=1, "day";r=900;t=3600',
      [
        { value: "burst", params: { r: 2, t: 1 } },
        { value: "day", params: { r: 900, t: 3600 } },
      ],
    ],
    ["an integer item", "50;w=60", [{ value: 50, params: { w: 60 } }]],
    [
      "a dictionary",
      "limit=100, remaining=5, reset=3",
      [
        { key: "limit", value: 100 },
        { key: "remaining", value: 5 },
        { key: "reset", value: 3 },
      ],
    ],
    ["a comma inside a string", '"a,b";q=1', [{ value: "a,b", params: { q: 1 } }]],
    ["a bare parameter (true)", '"x";pk', [{ value: "x", params: { pk: 1 } }]],
    [
      "a member it cannot read, kept apart",
      '"ok";r=1, @@;r=2',
      [
        { value: "ok", params: { r: 1 } },
        { value: undefined, params: { r: 2 } },
      ],
    ],
  ])("reads %s", (_, text, expected) => {
    const members = parseStructuredField(text).map((member) => ({ ...member, params: Object.fromEntries(member.params) }));
    expect(members).toMatchObject(expected);
  });
});

describe("IETF rate-limit fields", () => {
  it.each([
    ["draft 08 on: one policy", { ratelimit: '"default";r=50;t=30' }, { remaining: 50, resetSeconds: 30 }],
    ["the policy closest to running out", { ratelimit: '"permin";r=12;t=40, "perday";r=3;t=50000' }, { remaining: 3, resetSeconds: 50000 }],
    ["of two spent, the one spent longer", { ratelimit: '"a";r=0;t=1, "b";r=0;t=60' }, { remaining: 0, resetSeconds: 60 }],
    ["no reset given", { ratelimit: '"default";r=7' }, { remaining: 7, resetSeconds: undefined }],
    ["draft 07's dictionary", { ratelimit: "limit=100, remaining=20, reset=5" }, { remaining: 20, resetSeconds: 5 }],
    ["an item without r, skipped", { ratelimit: '"x";t=5, "y";r=4;t=2' }, { remaining: 4, resetSeconds: 2 }],
    ["nothing usable", { ratelimit: "soon" }, undefined],
    ["no field", {}, undefined],
  ])("reads RateLimit: %s", (_, headers, expected) => {
    expect(ietfCurrentLimit(get(headers))).toEqual(expected);
  });

  it.each([
    ["draft 08 on", { "ratelimit-policy": '"permin";q=50;w=60' }, [{ quota: 50, windowSeconds: 60 }]],
    [
      "several",
      { "ratelimit-policy": '"burst";q=100;w=1, "day";q=1000;w=86400' },
      [
        { quota: 100, windowSeconds: 1 },
        { quota: 1000, windowSeconds: 86400 },
      ],
    ],
    [
      "the older drafts",
      { "ratelimit-policy": "10;w=1, 50;w=60" },
      [
        { quota: 10, windowSeconds: 1 },
        { quota: 50, windowSeconds: 60 },
      ],
    ],
    ["inside the first drafts' RateLimit-Limit", { "ratelimit-limit": "10, 10;w=1" }, [{ quota: 10, windowSeconds: 1 }]],
    ["a quota in other units, skipped", { "ratelimit-policy": '"bytes";q=1000;qu="content-bytes";w=1' }, []],
    ["a window of zero, skipped", { "ratelimit-policy": '"x";q=5;w=0' }, []],
  ])("reads RateLimit-Policy: %s", (_, headers, expected) => {
    expect(ietfPolicies(get(headers))).toEqual(expected);
  });

  it("gives the budget and its reset through the common readers", () => {
    const headers = { ratelimit: '"default";r=4;t=2', "x-ratelimit-remaining": "99", "x-ratelimit-reset": "60" };
    expect(remaining(headers)).toBe(4);
    expect(resetAt(headers, NOW)).toBe(NOW + 2000);
  });
});

describe("the rate a server's policy states", () => {
  const perMinute = { limitWindowMs: 60_000 };
  it.each([
    ["an IETF policy", { "ratelimit-policy": '"permin";q=50;w=60' }, 2000, {}, 50 / 60],
    ["the tightest IETF policy of a minute or less", { "ratelimit-policy": '"sec";q=10;w=1, "min";q=300;w=60, "day";q=10;w=86400' }, 500, {}, 5],
    ["no policy of a minute or less: a quota, not a rate", { "ratelimit-policy": '"day";q=10000;w=86400' }, 500, {}, undefined],
    ["X-RateLimit-Limit over the window the driver names", { "x-ratelimit-limit": "3000" }, 1000, perMinute, 50],
    ["the older RateLimit-Limit likewise", { "ratelimit-limit": "120" }, 30_000, perMinute, 2],
    ["a Limit whose reset is further off than that window (a daily quota)", { "x-ratelimit-limit": "6" }, 9 * 3600_000, perMinute, undefined],
    ["a Limit without the driver naming its window", { "x-ratelimit-limit": "3000" }, 1000, {}, undefined],
    ["a garbled Limit", { "x-ratelimit-limit": "lots" }, 1000, perMinute, undefined],
  ])("%s", (_, headers, resetInMs, hints, expected) => {
    expect(policyRate(headers, resetInMs, hints)).toBe(expected);
  });
});

describe("the server's clock", () => {
  const date = (ms: number) => ({ date: new Date(ms).toUTCString() });

  it("trusts ours until a Date header says otherwise", () => {
    const clock = new ServerClock();
    clock.observe({}, NOW);
    expect(clock.serverNow(NOW)).toBe(NOW);
  });

  it.each([
    ["30 s ahead", 30_000],
    ["30 s behind", -30_000],
    ["in step", 0],
  ])("narrows in on a clock %s from whole-second Date headers", (_, skew) => {
    const clock = new ServerClock();
    // Answers 70 ms apart: their Dates (truncated to the second) bound the offset ever closer.
    for (let t = NOW + 130; t < NOW + 3000; t += 70) clock.observe(date(t + skew - ((t + skew) % 1000)), t);
    const later = NOW + 5000;
    expect(clock.serverNow(later) - (later + skew)).toBeLessThanOrEqual(0);
    expect(clock.serverNow(later) - (later + skew)).toBeGreaterThan(-80);
    expect(clock.localTime(later + skew)).toBeGreaterThanOrEqual(later);
    expect(clock.localNoLater(later + skew)).toBeLessThanOrEqual(later);
  });

  it("takes a Date a moment stale (servers cache it for a second) as a clock in step", () => {
    const clock = new ServerClock();
    clock.observe(date(NOW - 1500), NOW);
    expect(clock.serverNow(NOW)).toBe(NOW);
  });

  it("starts over when the clocks are set meanwhile", () => {
    const clock = new ServerClock();
    clock.observe(date(NOW), NOW);
    clock.observe(date(NOW + 3_600_000), NOW + 10);
    expect(clock.serverNow(NOW + 10)).toBe(NOW + 3_600_000);
  });

  it("reads an epoch reset and a Retry-After date on the server's clock", () => {
    const serverNow = NOW + 30_000; // the server's clock is 30 s ahead of ours
    expect(resetAt({ "x-ratelimit-reset": String((serverNow + 2000) / 1000) }, serverNow)! - serverNow).toBe(2000);
    expect(parseRetryAfter(new Date(serverNow + 5000).toUTCString(), serverNow)).toBe(5000);
  });
});
