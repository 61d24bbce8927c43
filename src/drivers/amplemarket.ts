import * as z from "zod/mini";
import { UsageError } from "../errors.js";
import type { HttpAnswer } from "../http/answer.js";
import { keyText, quoted } from "../rows/key-text.js";
import { isEmail, isLinkedInProfile, normaliseEmail, normaliseLinkedIn } from "../rows/normalise.js";
import { bearerCredentials } from "../auth/bearer.js";
import { amplemarketRoute } from "../sandbox/amplemarket.js";
import { httpError, parseBody, unexpectedAnswer } from "./answer.js";
import type { BatchVerdict, DriverSpec, ProviderError, ProviderSpec, RowCheck, SentRow } from "./types.js";

const LEAD_TYPES = ["linkedin", "email", "titles_and_company"] as const;
type LeadType = (typeof LEAD_TYPES)[number];

/** The lead fields the API names; other columns travel as extra lead properties. */
const KNOWN_FIELDS = ["linkedin_url", "email", "title", "company_name", "company_domain"] as const;

const count = z.int().check(z.nonnegative());
const accepted = z.object({ total: count, total_added_to_lead_list: count });

const errorEnvelope = z.object({
  _errors: z
    .array(
      z.object({
        code: z.string(),
        title: z.optional(z.string()),
        detail: z.optional(z.string()),
        source: z.optional(z.object({ pointer: z.optional(z.string()) })),
      }),
    )
    .check(z.minLength(1)),
});

type Lead = Record<string, unknown>;

/** Amplemarket: a Bearer key; its limiter answers 429 with Retry-After. */
export const AMPLEMARKET: ProviderSpec = {
  name: "amplemarket",
  label: "Amplemarket",
  baseUrlEnv: "AMPLEMARKET_BASE_URL",
  defaultBaseUrl: "https://api.amplemarket.com",
  credentials: [bearerCredentials("AMPLEMARKET_API_KEY")],
  rateLimit: {},
  sandbox: {
    prefix: "/amplemarket",
    limitStyle: "retry-after",
    env: (origin) => ({ AMPLEMARKET_BASE_URL: `${origin}/amplemarket`, AMPLEMARKET_API_KEY: "sandbox-key" }),
  },
};

/**
 * Amplemarket "Add Leads to a List": up to 10,000 leads of one type per request, 60,000
 * per list. The 202 answer only counts, so a batch is `added` when all were added,
 * `already_present` when none were, and `added_or_present` otherwise; a partial batch is
 * held back until the list is shown to have had room, since the list filling up also
 * leaves leads out (then they are `failed`, code `list_full`).
 */
export const amplemarket: DriverSpec = {
  name: "amplemarket",
  summary: "Add leads to an Amplemarket lead list",
  endpoint: "POST {base}/lead-lists/{id}/leads",
  maxBatch: 10_000,
  rowIs: "a lead object (linkedin_url, email, title, company_name, company_domain and any other columns)",
  targetIs: "the lead list id",
  keyColumn: { candidates: ["linkedin_url", "email", "title"], keyName: "email", required: false },
  options: [
    {
      flags: "--type <type>",
      description: "lead type (default: inferred from the columns: linkedin_url, else email, else title + company)",
      choices: LEAD_TYPES,
    },
  ],
  provider: AMPLEMARKET,
  sandbox: [amplemarketRoute],
  looksLikeKey: (cell) => isEmail(cell) || isLinkedInProfile(cell),
  create: ({ columns, keyColumn, sample, options, target }) => {
    // A key column that is none of the API's fields (named with --column, or a file's only
    // column) holds the identifying field of the type; so does the only column of any file.
    const keyAlias = knownField(keyColumn) === undefined ? keyColumn : undefined;
    const type = leadType(columns, options.type as LeadType | undefined, sample, keyAlias);
    const standsIn = keyAlias ?? (columns.length === 1 ? columns[0] : undefined);
    return {
      maxBatchBytes: 5_000_000,
      keyField: `type=${type}`,
      check: (record, access) => checkLead(type, access.values(record), standsIn),
      request: (rows) => ({
        path: `/lead-lists/${encodeURIComponent(target)}/leads`,
        body: `{"type":"${type}","leads":[${rows.map((row) => row.item).join(",")}]}`,
      }),
      interpret,
      describeError,
    };
  },
};

/** The API's name for a column, matched ignoring case and surrounding spaces. */
function knownField(column: string): (typeof KNOWN_FIELDS)[number] | undefined {
  const name = column.trim().toLowerCase();
  return KNOWN_FIELDS.find((field) => field === name);
}

/** What each type needs among the columns. */
const NEEDS: Record<LeadType, string> = { linkedin: "linkedin_url", email: "email", titles_and_company: "title and company_name or company_domain" };

/** The types the columns can serve, in the order inference prefers them. */
function typesServed(columns: readonly string[]): LeadType[] {
  const present = new Set(columns.map(knownField));
  const served: LeadType[] = [];
  if (present.has("linkedin_url")) served.push("linkedin");
  if (present.has("email")) served.push("email");
  if (present.has("title") && (present.has("company_name") || present.has("company_domain"))) served.push("titles_and_company");
  return served;
}

/**
 * `--type`, checked against the columns; or inferred: bare values (a JSON array of strings)
 * by what the first one is; columns by a `linkedin_url` column, else `email`, else `title`
 * and a company column; else by the name of the key column (`LinkedIn`, `Work Email`).
 */
function leadType(
  columns: readonly string[],
  given: LeadType | undefined,
  sample: Record<string, unknown> | undefined,
  keyAlias: string | undefined,
): LeadType {
  if (columns.length === 0) return given ?? "email"; // an empty input: nothing will be sent
  const served = typesServed(columns);
  if (given !== undefined) {
    const type = given;
    // The only column, or one named with --column, holds the identifying field under any name.
    if (!served.includes(type) && keyAlias === undefined && columns.length > 1) {
      throw new UsageError(
        `--type ${type} needs ${NEEDS[type]} among the columns (or the column named with --column); the columns found are: ${columns.join(", ")}`,
        "key_column_missing",
      );
    }
    return type;
  }
  const bare = sample === undefined ? undefined : Object.values(sample);
  if (bare?.length === 1 && typeof bare[0] === "string") {
    if (isLinkedInProfile(bare[0])) return "linkedin";
    if (isEmail(bare[0])) return "email";
  }
  // A column named with --column says which field identifies the lead, whatever else the file holds.
  if (keyAlias !== undefined && /linkedin/i.test(keyAlias)) return "linkedin";
  if (keyAlias !== undefined && /e-?mail/i.test(keyAlias)) return "email";
  const inferred = served[0];
  if (inferred !== undefined) return inferred;
  throw new UsageError(
    `cannot tell the lead type from the columns (${columns.join(", ") || "none"}): expected linkedin_url, email, or title with company_name or company_domain; or give --type`,
    "unknown_lead_type",
  );
}

/**
 * The lead: every non-empty value, with the API's field names matched case-insensitively.
 * The column `standsIn` (see `create`) is the type's identifying field.
 */
function buildLead(type: LeadType, values: Record<string, unknown>, standsIn: string | undefined): Lead {
  const lead: Lead = {};
  const identifying = type === "linkedin" ? "linkedin_url" : type === "email" ? "email" : undefined;
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) continue;
    const stands = identifying !== undefined && name === standsIn ? identifying : undefined;
    const field = stands ?? knownField(name) ?? name;
    if (lead[field] === undefined || stands !== undefined) lead[field] = typeof value === "string" ? value.trim() : value;
  }
  return lead;
}

function checkLead(type: LeadType, values: Record<string, unknown>, standsIn: string | undefined): RowCheck {
  const lead = buildLead(type, values, standsIn);
  const text = (field: string): string => (typeof lead[field] === "string" ? (lead[field] as string) : keyText(lead[field]));
  const invalid = (key: string, code: string, message: string): RowCheck => ({ ok: false, key, code, message });
  let key: string;
  let identity: string;
  if (type === "linkedin") {
    key = text("linkedin_url");
    if (key === "") return invalid(key, "missing_linkedin_url", "the lead has no linkedin_url");
    if (!isLinkedInProfile(key)) return invalid(key, "invalid_linkedin_url", `${quoted(key)} is not a LinkedIn profile URL`);
    identity = `li:${normaliseLinkedIn(key)}`;
  } else if (type === "email") {
    key = text("email");
    if (key === "") return invalid(key, "missing_email", "the lead has no email");
    if (!isEmail(key)) return invalid(key, "invalid_email", `${quoted(key)} is not an email address`);
    identity = `em:${normaliseEmail(key)}`;
  } else {
    const company = text("company_name") || text("company_domain");
    key = `${text("title")} @ ${company}`;
    if (text("title") === "") return invalid(key, "missing_title", "the lead has no title");
    if (company === "") return invalid(key, "missing_company", "the lead has neither company_name nor company_domain");
    identity = `tc:${text("title").toLowerCase()}|${company.toLowerCase()}`;
  }
  return { ok: true, key, identity, item: JSON.stringify(lead) };
}

function interpret(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict {
  if (answer.status >= 200 && answer.status < 300) {
    const body = parseBody(answer, accepted);
    if (body === undefined) return { kind: "fail", ...unexpectedAnswer(answer, "the answer has no total_added_to_lead_list") };
    const { total, total_added_to_lead_list: count } = body;
    if (total !== rows.length || count > total) {
      return { kind: "fail", ...unexpectedAnswer(answer, `the answer does not add up for ${rows.length} leads sent (total ${total}, added ${count})`) };
    }
    if (count === total) return { kind: "settled", outcomes: rows.map(() => ({ status: "added" })), roomLeft: true };
    if (count === 0) return { kind: "settled", outcomes: rows.map(() => ({ status: "already_present" })) };
    const partial = {
      status: "added_or_present",
      code: "counts_only",
      message: `${count} of ${total} leads in this request were added; Amplemarket does not say which`,
    } as const;
    return { kind: "settled", outcomes: rows.map(() => partial), provisional: true, roomLeft: true };
  }
  const error = describeError(answer);
  const envelope = parseBody(answer, errorEnvelope);
  if (answer.status === 400) {
    const rejected = new Map<number, ProviderError>();
    for (const item of envelope?._errors ?? []) {
      const at = /^\/leads\/(\d+)(\/|$)/.exec(item.source?.pointer ?? "");
      const index = at === null ? -1 : Number(at[1]);
      if (index >= 0 && index < rows.length) rejected.set(index, { code: item.code, message: item.detail ?? item.title ?? item.code });
    }
    if (rejected.size > 0) return { kind: "reject_rows", rejected };
    // The lead type itself refused: every batch would fail alike.
    if (envelope?._errors.some((item) => item.source?.pointer === "/type") === true) return { kind: "stop", ...error };
    return { kind: "split", ...error };
  }
  return { kind: "fail", ...error };
}

function describeError(answer: HttpAnswer): ProviderError {
  const first = parseBody(answer, errorEnvelope)?._errors[0];
  if (first === undefined) return httpError(answer);
  return { code: first.code, message: first.detail ?? first.title ?? first.code };
}
