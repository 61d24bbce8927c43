import { describe, expect, it } from "vitest";
import { amplemarket } from "../../src/drivers/amplemarket.js";
import type { SentRow } from "../../src/drivers/types.js";
import { answer, recorded } from "../helpers/answers.js";
import { acceptedRows, checkRow, driverContract } from "../helpers/driver-contract.js";

const create = (columns: string[], type?: string, keyColumn = columns[0] ?? "email") =>
  amplemarket.create({ target: "ll_1", columns, keyColumn, options: { type } });
const byEmail = create(["email", "first_name"]);

driverContract(() => ({
  spec: amplemarket,
  driver: byEmail,
  goodRow: (i) => ({ key: undefined, values: { email: `lead${i}@example.com`, first_name: `Lead ${i}` } }),
  badRow: { key: undefined, values: { email: "not-an-email" } },
  allAdded: (rows) => answer(202, { total: rows.length, total_added_to_lead_list: rows.length }),
  notFound: recorded("amplemarket", "not-found"),
  unauthorized: recorded("amplemarket", "unauthorized"),
}));

function leads(...values: Record<string, unknown>[]): SentRow[] {
  return acceptedRows(
    byEmail,
    values.map((value) => ({ key: undefined, values: value })),
  );
}

describe("amplemarket", () => {
  it("infers the lead type from the columns, or refuses to guess", () => {
    const body = (columns: string[], values: Record<string, unknown>, type?: string, keyColumn?: string): unknown => {
      const driver = create(columns, type, keyColumn);
      const check = checkRow(driver, undefined, values);
      if (!check.ok) throw new Error(check.message);
      return JSON.parse(driver.request([check]).body);
    };
    expect(body(["linkedin_url", "email"], { linkedin_url: "https://linkedin.com/in/ann", email: "" })).toEqual({
      type: "linkedin",
      leads: [{ linkedin_url: "https://linkedin.com/in/ann" }],
    });
    expect(body(["Email", "Company"], { Email: " a@x.com ", Company: "Acme" })).toEqual({ type: "email", leads: [{ email: "a@x.com", Company: "Acme" }] });
    expect(body(["title", "company_domain"], { title: "CTO", company_domain: "acme.com" })).toEqual({
      type: "titles_and_company",
      leads: [{ title: "CTO", company_domain: "acme.com" }],
    });
    expect(body(["url"], { url: "https://www.linkedin.com/in/bob/" }, "linkedin")).toEqual({
      type: "linkedin",
      leads: [{ linkedin_url: "https://www.linkedin.com/in/bob/" }],
    });
    expect(() => create(["name", "phone"])).toThrow(/cannot tell the lead type from the columns \(name, phone\)/);
    // A key column named with --column holds the identifying field, and names the type.
    expect(body(["Name", "Work Email"], { Name: "Ann", "Work Email": "ann@x.com" }, undefined, "Work Email")).toEqual({
      type: "email",
      leads: [{ Name: "Ann", email: "ann@x.com" }],
    });
    expect(body(["Name", "Profile"], { Name: "Ann", Profile: "linkedin.com/in/ann" }, "linkedin", "Profile")).toEqual({
      type: "linkedin",
      leads: [{ Name: "Ann", linkedin_url: "linkedin.com/in/ann" }],
    });
    expect(body(["LinkedIn"], { LinkedIn: "linkedin.com/in/ann" })).toEqual({ type: "linkedin", leads: [{ linkedin_url: "linkedin.com/in/ann" }] });
    // The named column wins over columns that could serve another type.
    expect(
      body(["company_name", "title", "LinkedIn URL"], { company_name: "Acme", title: "CEO", "LinkedIn URL": "linkedin.com/in/ann" }, undefined, "LinkedIn URL"),
    ).toEqual({ type: "linkedin", leads: [{ company_name: "Acme", title: "CEO", linkedin_url: "linkedin.com/in/ann" }] });
    // A --type the columns cannot serve is a usage error naming them, not a file of invalid rows.
    expect(() => create(["linkedin_url", "name"], "email")).toThrow(
      "--type email needs email among the columns (or the column named with --column); the columns found are: linkedin_url, name",
    );
    expect(() => create(["title", "name"], "titles_and_company")).toThrow(/needs title and company_name or company_domain among the columns/);
    expect(body(["email"], { email: "linkedin.com/in/ann" }, "linkedin")).toEqual({ type: "linkedin", leads: [{ linkedin_url: "linkedin.com/in/ann" }] });
    // An empty identifying field is missing, not taken from another column.
    expect(checkRow(create(["linkedin_url", "company_name"]), undefined, { linkedin_url: "", company_name: "Acme" })).toMatchObject({
      ok: false,
      code: "missing_linkedin_url",
    });
  });

  it("validates each type and dedupes by identity", () => {
    const linkedin = create(["linkedin_url"]);
    expect(checkRow(linkedin, undefined, { linkedin_url: "https://example.com/ann" })).toMatchObject({ ok: false, code: "invalid_linkedin_url" });
    expect(checkRow(linkedin, undefined, { linkedin_url: "" })).toMatchObject({ ok: false, code: "missing_linkedin_url" });
    const [a, b] = [
      checkRow(linkedin, undefined, { linkedin_url: "https://www.linkedin.com/in/Ann/" }),
      checkRow(linkedin, undefined, { linkedin_url: "linkedin.com/in/ann" }),
    ];
    expect(a.ok && b.ok && a.identity === b.identity).toBe(true);
    const titles = create(["title", "company_name"]);
    expect(checkRow(titles, undefined, { title: "CTO" })).toMatchObject({ ok: false, code: "missing_company" });
    expect(checkRow(titles, undefined, { title: "CTO", company_name: "Acme" })).toMatchObject({ ok: true, key: "CTO @ Acme" });
    expect(checkRow(byEmail, undefined, { email: "A@X.com" })).toMatchObject({ ok: true, key: "A@X.com", identity: "em:a@x.com" });
  });

  it("reads the 202 counts: all, none, or some added (held until the list shows room)", () => {
    const three = leads({ email: "a@x.com" }, { email: "b@x.com" }, { email: "c@x.com" });
    expect(byEmail.interpret(recorded("amplemarket", "accepted"), three)).toMatchObject({
      kind: "settled",
      roomLeft: true,
      outcomes: [{ status: "added" }, {}, {}],
    });
    expect(byEmail.interpret(recorded("amplemarket", "none-added"), three)).toMatchObject({
      kind: "settled",
      outcomes: [{ status: "already_present" }, {}, {}],
    });
    expect(byEmail.interpret(recorded("amplemarket", "partial"), three)).toMatchObject({
      kind: "settled",
      provisional: true,
      outcomes: [{ status: "added_or_present", code: "counts_only" }, {}, {}],
    });
    expect(byEmail.interpret(answer(202, { total: 4, total_added_to_lead_list: 1 }), three).kind).toBe("fail");
  });

  it("rejects the lead a source.pointer names, and splits when none is named", () => {
    const three = leads({ email: "a@x.com" }, { email: "b@x.invalid" }, { email: "c@x.com" });
    expect(byEmail.interpret(recorded("amplemarket", "invalid-email"), three)).toEqual({
      kind: "reject_rows",
      rejected: new Map([[1, { code: "unsupported_value", message: "Unsupported value provided for field: leads[1].email" }]]),
    });
    expect(byEmail.interpret(recorded("amplemarket", "over-limit"), three)).toMatchObject({ kind: "split" });
    expect(byEmail.interpret(recorded("amplemarket", "unsupported-type"), three)).toMatchObject({ kind: "stop" });
  });

  it("names the code and detail of the answers that stop the run: 402, 404, 409 (list full) and 410", () => {
    expect(byEmail.describeError(recorded("amplemarket", "insufficient-credits"))).toMatchObject({ code: "insufficient_credits" });
    expect(byEmail.describeError(recorded("amplemarket", "not-found"))).toEqual({ code: "not_found", message: "Could not find lead list." });
    expect(byEmail.describeError(recorded("amplemarket", "list-full"))).toMatchObject({ code: "conflict" });
    expect(byEmail.describeError(recorded("amplemarket", "gone"))).toMatchObject({ code: "gone" });
  });
});
