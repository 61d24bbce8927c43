import { describe, expect, it } from "vitest";
import { leadlexList } from "../../src/drivers/leadlex-list.js";
import type { SentRow } from "../../src/drivers/types.js";
import { answer, recorded } from "../helpers/answers.js";
import { acceptedRows, byKey, checkRow, driverContract } from "../helpers/driver-contract.js";
import { uuid } from "../helpers/files.js";

const driver = leadlexList.create({ target: "abc-123", columns: ["contact_id"], keyColumn: "contact_id", options: {} });

driverContract(() => ({
  spec: leadlexList,
  driver,
  goodRow: (i) => ({ key: uuid(i), values: {} }),
  badRow: { key: "not-a-real-uuid", values: {} },
  allAdded: (rows) => answer(200, { data: { added: rows.length, list_id: "abc-123", contact_count: rows.length } }),
  notFound: recorded("leadlex", "list-not-found"),
  unauthorized: recorded("leadlex", "invalid-key"),
}));

function rows(...ids: string[]): SentRow[] {
  return acceptedRows(driver, byKey(...ids));
}

describe("leadlex-list", () => {
  it("checks contact ids: trimmed UUIDs, any case", () => {
    expect(checkRow(driver, " 123E4567-E89B-12D3-A456-426614174000 ")).toEqual({
      ok: true,
      key: " 123E4567-E89B-12D3-A456-426614174000 ",
      identity: "123e4567-e89b-12d3-a456-426614174000",
      item: "123E4567-E89B-12D3-A456-426614174000",
    });
    expect(checkRow(driver, "")).toMatchObject({ ok: false, code: "missing_key" });
    expect(checkRow(driver, "nope")).toMatchObject({ ok: false, code: "invalid_uuid", message: '"nope" is not a UUID' });
    expect(checkRow(driver, 42)).toMatchObject({ ok: false, code: "invalid_uuid" });
  });

  it("posts the documented body to the list's path", () => {
    expect(driver.request(rows(uuid(1), uuid(2)))).toEqual({
      path: "/v1/lists/abc-123/contacts",
      body: `{"contact_ids":["${uuid(1)}","${uuid(2)}"]}`,
    });
  });

  it("reads the counts-only answer: all new, none new, or some new", () => {
    const two = rows(uuid(1), uuid(2));
    expect(driver.interpret(recorded("leadlex", "list-added"), two)).toEqual({ kind: "settled", outcomes: [{ status: "added" }, { status: "added" }] });
    expect(driver.interpret(recorded("leadlex", "list-none-added"), two)).toEqual({
      kind: "settled",
      outcomes: [{ status: "already_present" }, { status: "already_present" }],
    });
    const some = driver.interpret(recorded("leadlex", "list-some-present"), two);
    expect(some).toMatchObject({ kind: "settled", outcomes: [{ status: "added_or_present", code: "counts_only" }, { status: "added_or_present" }] });
  });

  it("fails a batch whose answer claims more added than sent", () => {
    expect(driver.interpret(answer(200, { data: { added: 3 } }), rows(uuid(1)))).toMatchObject({ kind: "fail", code: "bad_response" });
  });

  it("rejects the rows named in invalid_ids, so the rest can be sent again", () => {
    const batch = rows(uuid(1), "789e0123-e45b-67c8-a901-234567890abc", uuid(2));
    expect(driver.interpret(recorded("leadlex", "invalid-ids"), batch)).toEqual({
      kind: "reject_rows",
      rejected: new Map([[1, { code: "validation_error", message: "One or more contact IDs are invalid or not in your workspace" }]]),
    });
  });

  it("splits a batch refused without named rows", () => {
    expect(driver.interpret(recorded("leadlex", "validation-unnamed"), rows(uuid(1), uuid(2)))).toMatchObject({ kind: "split", code: "validation_error" });
  });

  it("names the provider's code for 401, 403 and 404, which stop the run", () => {
    for (const name of ["invalid-key", "forbidden", "list-not-found"]) expect(driver.describeError(recorded("leadlex", name)).code).not.toMatch(/^http_/);
    expect(driver.describeError(recorded("leadlex", "forbidden"))).toEqual({ code: "insufficient_permissions", message: "Missing write permission" });
  });
});
