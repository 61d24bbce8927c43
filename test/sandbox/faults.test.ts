import { describe, expect, it } from "vitest";
import { post } from "../helpers/http.js";
import { FAKE_KEY, sandbox } from "../helpers/sandbox.js";

describe("sandbox: injected faults", () => {
  it("answers a 5xx in each provider's own error envelope", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["500"], seed: 1 } });
    const auth = { authorization: `Bearer ${FAKE_KEY}` };
    expect(await post(`${box.baseUrl("leadlex")}/v1/lists/l/contacts`, {}, auth)).toMatchObject({
      status: 500,
      body: { error: { code: "internal_server_error" } },
    });
    expect(await post(`${box.baseUrl("emarsys")}/contactlist/1/add`, {}, auth)).toMatchObject({
      status: 500,
      body: { replyCode: 1, replyText: "Something went wrong." },
    });
    expect(await post(`${box.baseUrl("amplemarket")}/lead-lists/l/leads`, {}, auth)).toMatchObject({
      status: 500,
      body: { object: "error", _errors: [{ code: "internal_server_error", title: "Internal Server Error", detail: "Something went wrong." }] },
    });
  });

  it("keeps the token endpoint out of the API's rate limit", async () => {
    const box = await sandbox({ rateLimit: { limit: 1, windowMs: 60_000 } });
    const basic = { authorization: `Basic ${Buffer.from("client:fake-secret").toString("base64")}`, "content-type": "application/x-www-form-urlencoded" };
    for (let i = 0; i < 3; i++) expect((await post(box.tokenUrl, "grant_type=client_credentials", basic)).status).toBe(200);
  });
});
