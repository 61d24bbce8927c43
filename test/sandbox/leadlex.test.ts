import { describe, expect, it } from "vitest";
import { uuid } from "../helpers/files.js";
import { post } from "../helpers/http.js";
import { FAKE_KEY, sandbox } from "../helpers/sandbox.js";

const auth = { authorization: `Bearer ${FAKE_KEY}` };

describe("sandbox: LeadLex lists", () => {
  it("adds contacts, skipping those already in the list, and counts what it received", async () => {
    const box = await sandbox();
    expect(box.state.stats()).toMatchObject({ requests: 0, first_request_at: null, last_answer_at: null });
    const url = `${box.baseUrl("leadlex")}/v1/lists/l1/contacts`;
    expect(await post(url, { contact_ids: [uuid(1), uuid(2)] }, auth)).toMatchObject({
      status: 200,
      body: { data: { added: 2, list_id: "l1", contact_count: 2 } },
    });
    expect(await post(url, { contact_ids: [uuid(2), uuid(3), "00000000-0000-4000-8000-000000000000"] }, auth)).toMatchObject({
      status: 200,
      body: { data: { added: 1, contact_count: 3 } },
    });
    expect(box.state.receivedCounts("leadlex-list:l1")[uuid(2)]).toBe(2);
    const before = Date.now();
    const stats = (await fetch(`${box.origin}/_sandbox/stats`).then((r) => r.json())) as Record<string, unknown>;
    expect(stats).toEqual({
      requests: 2,
      by_status: { "200": 2 },
      faults: {},
      members: { "leadlex-list:l1": 3 },
      first_request_at: expect.any(String),
      last_answer_at: expect.any(String),
    });
    const first = Date.parse(String(stats.first_request_at));
    const last = Date.parse(String(stats.last_answer_at));
    expect(first).toBeLessThanOrEqual(last);
    expect(last).toBeLessThanOrEqual(before);
  });

  it("answers with the documented error envelope", async () => {
    const box = await sandbox();
    const list = (id: string): string => `${box.baseUrl("leadlex")}/v1/lists/${id}/contacts`;
    expect(await post(list("l"), { contact_ids: [uuid(1)] })).toMatchObject({ status: 401, body: { error: { code: "invalid_key" } } });
    expect(await post(list("l"), { contact_ids: [uuid(1)] }, { authorization: "Bearer invalid-x" })).toMatchObject({ status: 401 });
    expect(await post(list("missing-1"), { contact_ids: [uuid(1)] }, auth)).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await post(list("forbidden-1"), { contact_ids: [uuid(1)] }, auth)).toMatchObject({
      status: 403,
      body: { error: { code: "insufficient_permissions" } },
    });
    const tooMany = Array.from({ length: 101 }, (_, i) => uuid(i));
    expect(await post(list("l"), { contact_ids: tooMany }, auth)).toMatchObject({ status: 400, body: { error: { code: "validation_error" } } });
    expect(await post(list("l"), "{not json", auth)).toMatchObject({ status: 400, body: { error: { code: "validation_error" } } });
    expect(await post(list("l"), { contact_ids: [uuid(1), "not-a-real-uuid", "deadbeef-0000-4000-8000-000000000000"] }, auth)).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          error: {
            code: "validation_error",
            message: "One or more contact IDs are invalid or not in your workspace",
            details: { invalid_ids: ["not-a-real-uuid", "deadbeef-0000-4000-8000-000000000000"] },
          },
        },
      }),
    );
    const poisoned = await post(list("l"), { contact_ids: [uuid(1), "badc0de0-0000-4000-8000-000000000000"] }, auth);
    expect(poisoned.status).toBe(400);
    expect(poisoned.body).not.toHaveProperty("error.details");
    expect(box.state.stats().members).toEqual({});
  });
});
