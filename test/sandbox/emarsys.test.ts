import { describe, expect, it } from "vitest";
import { wsseHeader } from "../../src/auth/wsse.js";
import { SANDBOX_WSSE_SECRET } from "../../src/sandbox/emarsys.js";
import { post } from "../helpers/http.js";
import { sandbox } from "../helpers/sandbox.js";

async function token(origin: string, secret = "fake-secret"): Promise<{ status: number; body: unknown }> {
  return post(`${origin}/emarsys/oauth2/token`, "grant_type=client_credentials", {
    authorization: `Basic ${Buffer.from(`client:${secret}`).toString("base64")}`,
    "content-type": "application/x-www-form-urlencoded",
  });
}

describe("sandbox: Emarsys", () => {
  it("issues OAuth2 tokens to client credentials and refuses bad ones", async () => {
    const box = await sandbox();
    expect(await token(box.origin)).toMatchObject({
      status: 200,
      body: { token_type: "Bearer", expires_in: 3600, access_token: expect.stringMatching(/^sandbox-/) },
    });
    expect(await token(box.origin, "invalid-x")).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("adds contacts with the documented reply shape, naming unknown ids in errors", async () => {
    const box = await sandbox();
    const { body } = (await token(box.origin)) as { body: { access_token: string } };
    const auth = { authorization: `Bearer ${body.access_token}` };
    const url = `${box.baseUrl("emarsys")}/contactlist/123/add`;
    expect(await post(url, { key_id: "3", external_ids: ["thor@example.com", "odin@example.com", "unknown-loki@example.com"] }, auth)).toMatchObject({
      status: 200,
      body: {
        replyCode: 0,
        replyText: "OK",
        data: {
          inserted_contacts: "2",
          errors: { "unknown-loki@example.com": { "2008": "No contact found with the external id: 3 - unknown-loki@example.com" } },
        },
      },
    });
    expect(await post(url, { key_id: "3", external_ids: ["thor@example.com"] }, auth)).toMatchObject({
      status: 200,
      body: { data: { inserted_contacts: "0", errors: [] } },
    });
    // Internal ids (no key_id) are whole numbers: an email there matches no contact.
    expect(await post(url, { external_ids: ["thor@example.com", 42] }, auth)).toMatchObject({
      status: 200,
      body: { data: { inserted_contacts: "1", errors: { "thor@example.com": { "2008": "No contact found with the external id: id - thor@example.com" } } } },
    });
    expect(await post(url, { external_ids: ["unknown-1"] }, auth)).toMatchObject({
      status: 400,
      body: { replyCode: 2008, data: { errors: { "unknown-1": {} } } },
    });
    expect(await post(url, { external_ids: "x" }, auth)).toMatchObject({ status: 400, body: { replyCode: 3003 } });
    expect(await post(url, { external_ids: Array.from({ length: 10_001 }, (_, i) => `id${i}`) }, auth)).toMatchObject({
      status: 400,
      body: { replyCode: 3002 },
    });
    expect(await post(`${box.baseUrl("emarsys")}/contactlist/abc/add`, { external_ids: ["1"] }, auth)).toMatchObject({
      status: 400,
      body: { replyCode: 3004, replyText: "Invalid contact list id: abc" },
    });
    expect(await post(url, { external_ids: ["1"] }, { authorization: "Bearer stolen" })).toMatchObject({ status: 401, body: { replyCode: 1 } });
  });

  it("checks WSSE digests, timestamps and nonce reuse", async () => {
    const box = await sandbox();
    const url = `${box.origin}/emarsys/api/v2/contactlist/5/add`;
    const nonce = "0123456789abcdef0123456789abcdef";
    const header = wsseHeader("user", SANDBOX_WSSE_SECRET, nonce, new Date().toISOString());
    expect(await post(url, { external_ids: ["1"] }, { "x-wsse": header })).toMatchObject({ status: 200 });
    expect(await post(url, { external_ids: ["1"] }, { "x-wsse": header })).toMatchObject({
      status: 401,
      body: { replyText: "Unauthorized: the nonce was used before" },
    });
    const stale = wsseHeader("user", SANDBOX_WSSE_SECRET, "f".repeat(32), "2016-07-22T16:35:04.163Z");
    expect(await post(url, { external_ids: ["1"] }, { "x-wsse": stale })).toMatchObject({
      status: 401,
      body: { replyText: "Unauthorized: Created is not a current timestamp" },
    });
    const wrong = wsseHeader("user", "other", "e".repeat(32), new Date().toISOString());
    expect(await post(url, { external_ids: ["1"] }, { "x-wsse": wrong })).toMatchObject({
      status: 401,
      body: { replyText: "Unauthorized: PasswordDigest does not match" },
    });
  });
});
