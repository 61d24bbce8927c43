import { describe, expect, it } from "vitest";
import { wsseDigest, wsseHeader } from "../../src/auth/wsse.js";
import { emarsys } from "../../src/drivers/emarsys.js";
import type { SentRow } from "../../src/drivers/types.js";
import { answer, recorded } from "../helpers/answers.js";
import { acceptedRows, byKey, checkRow, driverContract } from "../helpers/driver-contract.js";

const create = (keyId?: string, keyColumn = "external_id") => emarsys.create({ target: "123", columns: [keyColumn], keyColumn, options: { keyId } });
const driver = create("3", "email");

driverContract(() => ({
  spec: emarsys,
  driver,
  goodRow: (i) => ({ key: `person${i}@example.com`, values: {} }),
  badRow: { key: "not an email", values: {} },
  allAdded: (rows) => answer(200, { replyCode: 0, replyText: "OK", data: { inserted_contacts: String(rows.length), errors: [] } }),
  notFound: recorded("emarsys", "invalid-list"),
  unauthorized: recorded("emarsys", "unauthorized"),
}));

function rows(...ids: unknown[]): SentRow[] {
  return acceptedRows(create(), byKey(...ids));
}

describe("emarsys", () => {
  it("computes the WSSE digest of the documented test vector", () => {
    expect(wsseDigest("3fb1ee9a37018d1ad57f76f2b14d5e90", "2016-07-22T16:35:04.163Z", "letthatsinkin")).toBe(
      "ZTQwOGZiMjQzZjQ2YWYxZjczOTVmYmY5ZDMzZTBiYjhmNjg4ZDliYw==",
    );
    expect(wsseHeader("customer001", "letthatsinkin", "3fb1ee9a37018d1ad57f76f2b14d5e90", "2016-07-22T16:35:04.163Z")).toBe(
      'UsernameToken Username="customer001", PasswordDigest="ZTQwOGZiMjQzZjQ2YWYxZjczOTVmYmY5ZDMzZTBiYjhmNjg4ZDliYw==", Nonce="3fb1ee9a37018d1ad57f76f2b14d5e90", Created="2016-07-22T16:35:04.163Z"',
    );
  });

  it("sends key_id when given and the ids as they are, multichoice lists included", () => {
    expect(create("3").request(rows("thor@example.com", 42, [1, 2, 3]))).toEqual({
      path: "/contactlist/123/add",
      body: '{"key_id":"3","external_ids":["thor@example.com",42,[1,2,3]]}',
    });
    expect(create().request(rows("a")).body).toBe('{"external_ids":["a"]}');
  });

  it("compares emails case-insensitively and checks them when the key is the email field", () => {
    const [a, b] = [checkRow(driver, "Thor@Example.com"), checkRow(driver, "thor@example.com ")];
    expect(a.ok && b.ok && a.identity === b.identity).toBe(true);
    expect(checkRow(driver, "nope")).toMatchObject({ ok: false, code: "invalid_email" });
    expect(checkRow(create(), "nope")).toMatchObject({ ok: true });
    expect(checkRow(create(), { a: 1 })).toMatchObject({ ok: false, code: "invalid_key" });
    expect(checkRow(create(), [])).toMatchObject({ ok: false, code: "missing_key" });
  });

  it("rejects the ids named in errors and settles the others by the inserted count", () => {
    const three = rows("thor@example.com", "odin@example.com", "loki@example.com");
    expect(driver.interpret(recorded("emarsys", "added-with-errors"), three)).toEqual({
      kind: "settled",
      outcomes: [
        { status: "added" },
        { status: "added" },
        { status: "rejected", code: "2008", message: "No contact found with the external id: 3 - loki@example.com" },
      ],
    });
    expect(driver.interpret(recorded("emarsys", "added"), three)).toMatchObject({
      kind: "settled",
      outcomes: [{ status: "added" }, { status: "added" }, { status: "added" }],
    });
    const counts = driver.interpret(answer(200, { replyCode: 0, replyText: "OK", data: { inserted_contacts: "1", errors: [] } }), three);
    expect(counts).toMatchObject({ kind: "settled", outcomes: [{ status: "added_or_present", code: "counts_only" }, {}, {}] });
  });

  it("fails a batch whose answer contradicts the request", () => {
    const one = rows("thor@example.com");
    expect(driver.interpret(answer(200, { replyCode: 0, data: { inserted_contacts: "2", errors: [] } }), one).kind).toBe("fail");
    expect(
      driver.interpret(answer(200, { replyCode: 0, data: { inserted_contacts: "0", errors: { "stranger@example.com": { "2008": "x" } } } }), one).kind,
    ).toBe("fail");
    expect(driver.interpret(answer(200, { replyCode: 1, replyText: "odd" }), one).kind).toBe("fail");
    // A reply code that is not a number is no success, however it would coerce.
    for (const replyCode of [null, "", false, [], "0x0"]) {
      expect(driver.interpret(answer(200, { replyCode, data: { inserted_contacts: 1, errors: [] } }), one).kind).toBe("fail");
    }
    expect(driver.interpret(answer(200, { replyCode: "0", data: { inserted_contacts: 1, errors: [] } }), one).kind).toBe("settled");
  });

  it("matches an email named in errors whatever its case, other ids exactly", () => {
    const two = rows("Thor@Example.com", "odin@example.com");
    const echoed = answer(200, { replyCode: 0, data: { inserted_contacts: 1, errors: { "THOR@example.COM": { "2008": "No contact found" } } } });
    expect(driver.interpret(echoed, two)).toMatchObject({ kind: "settled", outcomes: [{ status: "rejected", code: "2008" }, { status: "added" }] });
    const ids = acceptedRows(create(), byKey("abc", "def"));
    expect(create().interpret(answer(200, { replyCode: 0, data: { inserted_contacts: 1, errors: { ABC: { "2008": "x" } } } }), ids).kind).toBe("fail");
  });

  it("maps the documented reply codes", () => {
    const three = rows("thor@example.com", "odin@example.com", "loki@example.com");
    expect(driver.interpret(recorded("emarsys", "invalid-list"), three)).toMatchObject({ kind: "stop", code: "3004" });
    expect(driver.interpret(recorded("emarsys", "too-many-ids"), three)).toMatchObject({ kind: "split", code: "3002" });
    expect(driver.interpret(answer(400, { replyCode: 3003, replyText: "Array expected." }), three)).toMatchObject({ kind: "stop" });
    expect(driver.interpret(recorded("emarsys", "none-found"), three)).toEqual({
      kind: "reject_rows",
      rejected: new Map([[2, { code: "2008", message: "No contact found with the external id: 3 - loki@example.com" }]]),
    });
    expect(driver.describeError(recorded("emarsys", "unauthorized"))).toEqual({ code: "1", message: "Unauthorized" });
    // The generic replyCode 1 of a 500 and of a 503 are two causes, which the summary's reasons keep apart.
    expect(driver.describeError(answer(503, { replyCode: 1, replyText: "Service temporarily unavailable", data: "" })).code).toBe("http_503");
    expect(driver.describeError(answer(500, { replyCode: 1, replyText: "Something went wrong.", data: "" })).code).toBe("http_500");
  });
});
