import { describe, expect, it } from "vitest";
import type { Auth } from "../../src/auth/types.js";
import { leadlexList } from "../../src/drivers/leadlex-list.js";
import { type HttpAnswer, TransportError } from "../../src/http/answer.js";
import { retryPolicy } from "../../src/http/retry-policy.js";
import { Throttle } from "../../src/http/throttle.js";
import { CapacityWatch } from "../../src/pipeline/capacity-watch.js";
import { RunControl } from "../../src/pipeline/run-control.js";
import { type PendingRow, type SettleContext, settleBatch } from "../../src/pipeline/settle-batch.js";
import { answer } from "../helpers/answers.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { uuid } from "../helpers/files.js";

type Reply = HttpAnswer | TransportError;

/** An HTTP client that answers from a script, and remembers what it was sent. */
function scriptedClient(script: (body: { contact_ids: string[] }, attempt: number) => Reply) {
  const sent: { ids: string[]; headers: Record<string, string> }[] = [];
  return {
    sent,
    post: async (_path: string, headers: Record<string, string>, body: string): Promise<HttpAnswer> => {
      const parsed = JSON.parse(body) as { contact_ids: string[] };
      sent.push({ ids: parsed.contact_ids, headers });
      const reply = script(parsed, sent.length);
      if (reply instanceof TransportError) throw reply;
      return reply;
    },
  };
}

function context(client: ReturnType<typeof scriptedClient>, options: { retries?: number; maxWaitMs?: number; auth?: Auth } = {}) {
  const clock = new FakeClock();
  const control = new RunControl();
  const ctx: SettleContext = {
    driver: leadlexList.create({ target: "l", columns: ["contact_id"], keyColumn: "contact_id", options: {} }),
    client,
    basePath: "",
    auth: options.auth ?? { headers: async () => ({ authorization: "Bearer fake" }) },
    throttle: new Throttle({ concurrency: 4, ratePerSecond: undefined, maxWaitMs: options.maxWaitMs ?? 900_000, clock }),
    control,
    clock,
    policy: retryPolicy(options.retries ?? 5),
    stats: { requests: 0, retries: 0, rateLimited: 0, splitRequests: 0 },
    capacity: new CapacityWatch<PendingRow>(),
  };
  return { ctx, clock, control };
}

function batch(count: number, from = 0): PendingRow[] {
  return Array.from({ length: count }, (_, i) => {
    const id = uuid(from + i);
    return { row: i + 1, key: id, item: id, identity: id, tail: id, mayHaveApplied: false };
  });
}

const added = (ids: string[]): HttpAnswer => answer(200, { data: { added: ids.length } });
const statuses = (results: { status: string }[]): string[] => results.map((result) => result.status);

describe("settleBatch", () => {
  it("settles a batch the provider confirms in one request", async () => {
    const client = scriptedClient((body) => added(body.contact_ids));
    const { ctx } = context(client);
    const { results, failed } = await settleBatch(batch(3), ctx);
    expect(failed).toBe(false);
    expect(results).toMatchObject([1, 2, 3].map((row) => ({ row, status: "added", attempts: 1, httpStatus: 200 })));
  });

  it("retries a 5xx with backoff; 'already there' after it is added_or_present, since the 5xx may have applied", async () => {
    const client = scriptedClient((_, attempt) => (attempt === 1 ? answer(503, "<html>busy</html>") : answer(200, { data: { added: 0 } })));
    const { ctx, clock } = context(client);
    const { results } = await settleBatch(batch(2), ctx);
    expect(statuses(results)).toEqual(["added_or_present", "added_or_present"]);
    expect(results[0]).toMatchObject({ code: "retried", attempts: 2 });
    expect(clock.sleeps).toHaveLength(1);
    expect(ctx.stats.retries).toBe(1);
  });

  it("trusts 'already there' after a connection that was never made", async () => {
    const client = scriptedClient((_, attempt) =>
      attempt === 1 ? new TransportError("refused", "connection_refused", false) : answer(200, { data: { added: 0 } }),
    );
    const { ctx } = context(client);
    expect(statuses((await settleBatch(batch(2), ctx)).results)).toEqual(["already_present", "already_present"]);
  });

  it("fails the batch once the retries are used up, saying how many attempts it made", async () => {
    const client = scriptedClient(() => new TransportError("the connection was reset", "connection_reset", true));
    const { ctx } = context(client, { retries: 2 });
    const { results, failed } = await settleBatch(batch(2), ctx);
    expect(failed).toBe(true);
    expect(results[0]).toMatchObject({ status: "failed", code: "connection_reset", message: "the connection was reset (after 3 attempts)", attempts: 3 });
  });

  it("rejects the rows the provider names and sends the rest again", async () => {
    const bad = uuid(1);
    const client = scriptedClient((body) =>
      body.contact_ids.includes(bad)
        ? answer(400, { error: { code: "validation_error", message: "invalid", details: { invalid_ids: [bad] } } })
        : added(body.contact_ids),
    );
    const { ctx } = context(client);
    const { results } = await settleBatch(batch(3), ctx);
    expect(results.map((result) => [result.row, result.status])).toEqual([
      [2, "rejected"],
      [1, "added"],
      [3, "added"],
    ]);
    expect(client.sent.map((request) => request.ids.length)).toEqual([3, 2]);
  });

  it("halves a batch refused without names until the bad row is isolated, within a budget", async () => {
    const poison = uuid(5);
    const client = scriptedClient((body) =>
      body.contact_ids.includes(poison) ? answer(400, { error: { code: "validation_error", message: "no" } }) : added(body.contact_ids),
    );
    const { ctx } = context(client);
    const { results } = await settleBatch(batch(8), ctx);
    expect(results.filter((result) => result.status === "rejected").map((result) => result.row)).toEqual([6]);
    expect(results.filter((result) => result.status === "added")).toHaveLength(7);
    expect(ctx.stats.splitRequests).toBe(6);
  });

  it("renews credentials once after a 401 and sends again; a second 401 stops the run", async () => {
    let token = 1;
    const auth: Auth = { headers: async () => ({ authorization: `Bearer t${token}` }), refresh: async () => void token++ };
    const client = scriptedClient((_, attempt) => (attempt === 1 ? answer(401, { error: { code: "invalid_key", message: "expired" } }) : added(["x"])));
    const { ctx } = context(client, { auth });
    expect(statuses((await settleBatch(batch(1), ctx)).results)).toEqual(["added"]);
    expect(client.sent.map((request) => request.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    const refusing = scriptedClient(() => answer(401, { error: { code: "invalid_key", message: "revoked" } }));
    const second = context(refusing, { auth });
    expect((await settleBatch(batch(1), second.ctx)).results[0]).toMatchObject({ status: "not_sent", code: "invalid_key" });
    expect(second.control.stopReason).toMatchObject({ kind: "provider", code: "invalid_key", cause: "credentials" });
  });

  it("stops the run on an unknown target: the rows are not_sent with the provider's code, and later batches are not sent", async () => {
    const client = scriptedClient(() => answer(404, { error: { code: "not_found", message: "List not found" } }));
    const { ctx, control } = context(client);
    expect((await settleBatch(batch(2), ctx)).results[0]).toMatchObject({ status: "not_sent", code: "not_found", httpStatus: 404 });
    expect(control.stopReason).toMatchObject({ cause: "target" });
    expect(statuses((await settleBatch(batch(2, 10), ctx)).results)).toEqual(["not_sent", "not_sent"]);
    expect(client.sent).toHaveLength(1);
  });

  it("waits out a 429 as long as it says, without using up a retry", async () => {
    const client = scriptedClient((_, attempt) => (attempt === 1 ? answer(429, "", { "retry-after": "7" }) : added(["x"])));
    const { ctx, clock } = context(client, { retries: 0 });
    const started = clock.now();
    expect(statuses((await settleBatch(batch(1), ctx)).results)).toEqual(["added"]);
    expect(clock.now() - started).toBeGreaterThanOrEqual(7000);
    expect(ctx.stats).toMatchObject({ rateLimited: 1, retries: 0 });
  });

  it("stops at a wait longer than --max-wait, as a quota", async () => {
    const client = scriptedClient(() => answer(503, "", { "retry-after": "3600" }));
    const { ctx, control } = context(client, { maxWaitMs: 60_000 });
    expect((await settleBatch(batch(1), ctx)).results[0]).toMatchObject({ status: "failed" }); // the 503 may have applied
    expect(control.stopReason).toMatchObject({ kind: "quota" });
  });

  it("never follows a redirect: the run stops naming where it pointed", async () => {
    const client = scriptedClient(() => answer(307, "", { location: "https://elsewhere.example/api" }));
    const { ctx, control } = context(client);
    await settleBatch(batch(1), ctx);
    expect(control.stopReason).toMatchObject({ code: "redirect", message: expect.stringContaining("https://elsewhere.example") });
  });

  it("halves a batch the provider finds too large (413)", async () => {
    const client = scriptedClient((body) => (body.contact_ids.length > 2 ? answer(413, "too large") : added(body.contact_ids)));
    const { ctx } = context(client);
    expect(statuses((await settleBatch(batch(4), ctx)).results)).toEqual(["added", "added", "added", "added"]);
  });
});
