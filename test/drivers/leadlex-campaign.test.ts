import { describe, expect, it } from "vitest";
import { leadlexCampaign } from "../../src/drivers/leadlex-campaign.js";
import type { SentRow } from "../../src/drivers/types.js";
import { answer, recorded } from "../helpers/answers.js";
import { acceptedRows, byKey, driverContract } from "../helpers/driver-contract.js";
import { uuid } from "../helpers/files.js";

const create = (source?: string) => leadlexCampaign.create({ target: "cmp_abc123", columns: ["contact_id"], keyColumn: "contact_id", options: { source } });
const driver = create();

driverContract(() => ({
  spec: leadlexCampaign,
  driver,
  goodRow: (i) => ({ key: uuid(i), values: {} }),
  badRow: { key: "cmp-123", values: {} },
  allAdded: (rows) => answer(200, { data: { added: rows.length, skipped: 0, contact_ids: rows.map((row) => row.identity) } }),
  notFound: recorded("leadlex", "campaign-not-found"),
  unauthorized: recorded("leadlex", "invalid-key"),
}));

function rows(...ids: string[]): SentRow[] {
  return acceptedRows(driver, byKey(...ids));
}

describe("leadlex-campaign", () => {
  const first = "123e4567-e89b-12d3-a456-426614174000";
  const second = "223e4567-e89b-12d3-a456-426614174001";

  it("sends the source tag with the ids", () => {
    expect(create("list:cold-outreach-q2").request(rows(first))).toEqual({
      path: "/v1/campaigns/cmp_abc123/contacts",
      body: `{"contact_ids":["${first}"],"source":"list:cold-outreach-q2"}`,
    });
    expect(driver.request(rows(first)).body).toBe(`{"contact_ids":["${first}"]}`);
  });

  it("attributes each row exactly: named ids added, the rest already enrolled", () => {
    expect(driver.interpret(recorded("leadlex", "campaign-added"), rows(first, second))).toEqual({
      kind: "settled",
      outcomes: [{ status: "added" }, { status: "added" }],
    });
    expect(driver.interpret(recorded("leadlex", "campaign-some-skipped"), rows(first.toUpperCase(), second))).toEqual({
      kind: "settled",
      outcomes: [{ status: "already_present" }, { status: "added" }],
    });
  });

  it("fails a batch whose answer does not add up", () => {
    expect(driver.interpret(answer(200, { data: { added: 1, skipped: 0, contact_ids: [first] } }), rows(first, second)).kind).toBe("fail");
    expect(driver.interpret(answer(200, { data: { added: 1, skipped: 1, contact_ids: [uuid(9)] } }), rows(first, second)).kind).toBe("fail");
    expect(driver.interpret(answer(200, { data: { added: 2, skipped: 0, contact_ids: [first, first] } }), rows(first, second)).kind).toBe("fail");
  });

  it("maps the documented errors", () => {
    expect(driver.interpret(recorded("leadlex", "too-many-contacts"), rows(first, second))).toMatchObject({ kind: "split", code: "too_many_contacts" });
    expect(driver.interpret(answer(400, { error: { code: "missing_required_field", message: "contact_ids missing or empty" } }), rows(first))).toMatchObject({
      kind: "split",
    });
    expect(driver.describeError(recorded("leadlex", "campaign-not-found"))).toMatchObject({ code: "campaign_not_found" });
    expect(driver.describeError(recorded("leadlex", "forbidden"))).toMatchObject({ code: "insufficient_permissions" });
    expect(driver.describeError(recorded("leadlex", "invalid-key"))).toMatchObject({ code: "invalid_key" });
  });
});
