import { describe, expect, it } from "vitest";
import { post } from "../helpers/http.js";
import { FAKE_KEY, sandbox } from "../helpers/sandbox.js";

const auth = { authorization: `Bearer ${FAKE_KEY}` };

describe("sandbox: Amplemarket", () => {
  it("validates the body per the OpenAPI document, with the _errors envelope", async () => {
    const box = await sandbox();
    const url = `${box.baseUrl("amplemarket")}/lead-lists/l1/leads`;
    expect(await post(url, { leads: [] })).toMatchObject({ status: 401, body: { object: "error", _errors: [{ code: "unauthorized" }] } });
    expect(await post(url, { leads: [] }, auth)).toMatchObject({ status: 400, body: { _errors: [{ code: "missing_field", source: { pointer: "/type" } }] } });
    expect(await post(url, { type: "foo", leads: [] }, auth)).toMatchObject({
      status: 400,
      body: { _errors: [{ code: "unsupported_value", detail: "'foo' is not a supported type." }] },
    });
    expect(await post(url, { type: "email", leads: [], extra: 1 }, auth)).toMatchObject({
      status: 400,
      body: { _errors: [{ source: { pointer: "/extra" } }] },
    });
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ email: `a${i}@x.com` }));
    expect(await post(url, { type: "email", leads: tooMany }, auth)).toMatchObject({
      status: 400,
      body: { _errors: [{ detail: "Number of leads exceeds 10,000 limit." }] },
    });
    expect(await post(url, { type: "linkedin", leads: [{ linkedin_url: "https://linkedin.com/in/a" }, { email: "b@x.com" }] }, auth)).toMatchObject({
      status: 400,
      body: { _errors: [{ code: "missing_field", detail: "Missing field from request: leads[1].linkedin_url", source: { pointer: "/leads/1/linkedin_url" } }] },
    });
    expect(await post(url, { type: "email", leads: [{ email: "ok@x.com" }, { email: "b@x.invalid" }] }, auth)).toMatchObject({
      status: 400,
      body: { _errors: [{ source: { pointer: "/leads/1/email" } }] },
    });
  });

  it("adds leads, skips duplicates, fills up to the cap and then answers 409", async () => {
    const box = await sandbox({ listCap: 3 });
    const url = `${box.baseUrl("amplemarket")}/lead-lists/capped/leads`;
    expect(await post(url, { type: "email", leads: [{ email: "a@x.com" }, { email: "A@x.com" }] }, auth)).toMatchObject({
      status: 202,
      body: { total: 2, total_added_to_lead_list: 1 },
    });
    expect(await post(url, { type: "email", leads: [{ email: "b@x.com" }, { email: "c@x.com" }, { email: "d@x.com" }] }, auth)).toMatchObject({
      status: 202,
      body: { total: 3, total_added_to_lead_list: 2 },
    });
    expect(await post(url, { type: "email", leads: [{ email: "e@x.com" }] }, auth)).toMatchObject({
      status: 409,
      body: { _errors: [{ code: "conflict", detail: "The maximum of 3 leads per list has been reached." }] },
    });
  });

  it.each([
    ["missing-1", 404, "not_found"],
    ["gone-1", 410, "gone"],
    ["nocredit-1", 402, "insufficient_credits"],
  ])("answers %s with %i %s", async (target, status, code) => {
    const box = await sandbox();
    expect(await post(`${box.baseUrl("amplemarket")}/lead-lists/${target}/leads`, { type: "email", leads: [{ email: "a@x.com" }] }, auth)).toMatchObject({
      status,
      body: { _errors: [{ code }], object: "error" },
    });
  });
});
