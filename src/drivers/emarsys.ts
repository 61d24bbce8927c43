import * as z from "zod/mini";
import { oauth2Auth } from "../auth/oauth2.js";
import { wsseAuth } from "../auth/wsse.js";
import { UsageError } from "../errors.js";
import type { HttpAnswer } from "../http/answer.js";
import { checkedUrl } from "../http/url.js";
import { keyText, quoted } from "../rows/key-text.js";
import { isEmail, normaliseEmail } from "../rows/normalise.js";
import { emarsysRoutes, tokenRoute } from "../sandbox/emarsys.js";
import { httpError, parseBody, unexpectedAnswer } from "./answer.js";
import type { BatchVerdict, DriverSpec, ProviderError, ProviderSpec, RowCheck, RowOutcome, SentRow } from "./types.js";

/** Emarsys's field id for email: keys of that field are checked as emails. */
const EMAIL_FIELD_ID = "3";

/** Emarsys sends numbers as JSON numbers or as digit strings; anything else (null, "", true) is not one. */
const wholeNumber = z.union([z.int().check(z.nonnegative()), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]);

const envelope = z.object({
  replyCode: wholeNumber,
  replyText: z.optional(z.string()),
  data: z.optional(z.unknown()),
});

/** `errors` is an object keyed by external id ({"2008": "No contact found…"}), or an empty array. */
const rowErrors = z.union([z.array(z.never()), z.record(z.string(), z.record(z.string(), z.string()))]);

const added = z.object({
  inserted_contacts: wholeNumber,
  errors: z.optional(rowErrors),
});

const DEFAULT_TOKEN_URL = "https://auth.emarsys.net/oauth2/token";

/** Emarsys: OAuth2 client credentials on v3, or WSSE (being retired) on v2. */
export const EMARSYS: ProviderSpec = {
  name: "emarsys",
  label: "Emarsys",
  baseUrlEnv: "EMARSYS_BASE_URL",
  defaultBaseUrl: "https://api.emarsys.net/api/v3",
  credentials: [
    {
      variables: ["EMARSYS_CLIENT_ID", "EMARSYS_CLIENT_SECRET"],
      settings: [{ name: "EMARSYS_TOKEN_URL", default: DEFAULT_TOKEN_URL }],
      check: (values) => void checkedUrl(values.EMARSYS_TOKEN_URL ?? "", "EMARSYS_TOKEN_URL"),
      create: (values, { timeoutMs, redactor }) =>
        oauth2Auth({
          tokenUrl: values.EMARSYS_TOKEN_URL ?? DEFAULT_TOKEN_URL,
          clientId: values.EMARSYS_CLIENT_ID ?? "",
          clientSecret: values.EMARSYS_CLIENT_SECRET ?? "",
          timeoutMs,
          redactor,
        }),
    },
    {
      variables: ["EMARSYS_USERNAME", "EMARSYS_SECRET"],
      defaultBaseUrl: "https://api.emarsys.net/api/v2",
      // The X-WSSE header quotes the user name and has no escape for a quote.
      check: (values) => {
        if (values.EMARSYS_USERNAME?.includes('"') === true) throw new UsageError('EMARSYS_USERNAME cannot hold a double quote (")', "bad_credentials");
      },
      create: (values, { redactor }) => wsseAuth(values.EMARSYS_USERNAME ?? "", values.EMARSYS_SECRET ?? "", redactor),
    },
  ],
  // X-RateLimit-Limit counts requests per minute.
  rateLimit: { limitWindowMs: 60_000 },
  sandbox: {
    prefix: "/emarsys/api/v3",
    limitStyle: "headers",
    routes: [tokenRoute],
    env: (origin) => ({
      EMARSYS_BASE_URL: `${origin}/emarsys/api/v3`,
      EMARSYS_TOKEN_URL: `${origin}/emarsys/oauth2/token`,
      EMARSYS_CLIENT_ID: "sandbox-client",
      EMARSYS_CLIENT_SECRET: "sandbox-secret",
    }),
  },
};

/**
 * Emarsys "Add contacts to a contact list": up to 10,000 external ids per request, under
 * `key_id` (the field that identifies contacts; omitted, the internal id). Ids the answer
 * names in `errors` are `rejected` with their code; the others are `added` when
 * `inserted_contacts` accounts for all of them, `added_or_present` otherwise.
 */
export const emarsys: DriverSpec = {
  name: "emarsys",
  summary: "Add contacts to an Emarsys contact list",
  endpoint: "POST {base}/contactlist/{id}/add",
  maxBatch: 10_000,
  rowIs: "an external id value (in JSON, a list of values for a multichoice field)",
  targetIs: "the contact list id",
  keyColumn: { candidates: ["external_id", "id", "email"], keyName: "external_id" },
  options: [
    {
      flags: "--key-id <id>",
      description: "the field that identifies contacts: a field id (3 is email), id or uid (default: the internal id, or 3 for a key column named email)",
      schema: z.string().check(z.regex(/^(\d+|id|uid)$/)),
      expected: "a field id (digits), id or uid",
    },
  ],
  provider: EMARSYS,
  sandbox: emarsysRoutes,
  looksLikeKey: (cell) => isEmail(cell) || /^\d+$/.test(cell.trim()),
  create: ({ target, options, keyColumn }) => {
    // Emails sent without key_id would be read as internal ids: an email column means field 3.
    const emailColumn = keyColumn.trim().toLowerCase() === "email";
    const field = options.keyId ?? (emailColumn ? EMAIL_FIELD_ID : undefined);
    const emailKeys = field === EMAIL_FIELD_ID;
    const keyId = field === undefined ? "" : `"key_id":${JSON.stringify(field)},`;
    return {
      maxBatchBytes: 5_000_000,
      keyField: field === undefined ? "" : `key_id=${field}`,
      check: (record, access) => checkExternalId(access.key(record), emailKeys),
      request: (rows) => ({
        path: `/contactlist/${encodeURIComponent(target)}/add`,
        body: `{${keyId}"external_ids":[${rows.map((row) => row.item).join(",")}]}`,
      }),
      interpret,
      describeError,
    };
  },
};

/** A text id (trimmed; emails compared case-insensitively), a number, or a multichoice list. */
function checkExternalId(value: unknown, emailKeys: boolean): RowCheck {
  const key = keyText(value);
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0)) {
    return { ok: false, key, code: "missing_key", message: "the row has no external id" };
  }
  if (typeof value === "number" && Number.isFinite(value)) return { ok: true, key, identity: key, item: key };
  if (Array.isArray(value) && value.every((choice) => typeof choice === "string" || (typeof choice === "number" && Number.isFinite(choice)))) {
    const item = JSON.stringify(value);
    return { ok: true, key, identity: item, item };
  }
  if (typeof value !== "string") {
    return { ok: false, key, code: "invalid_key", message: "an external id must be text, a number, or a list of them (multichoice)" };
  }
  const id = value.trim();
  if (emailKeys && !isEmail(id)) return { ok: false, key, code: "invalid_email", message: `${quoted(key)} is not an email address` };
  // Emails compare case-insensitively, also when the answer names one in `errors`.
  const identity = id.includes("@") ? normaliseEmail(id) : id;
  return { ok: true, key, identity, item: JSON.stringify(id) };
}

function interpret(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict {
  const reply = parseBody(answer, envelope);
  if (answer.status >= 200 && answer.status < 300) {
    if (reply === undefined || reply.replyCode !== 0) return { kind: "fail", ...unexpectedAnswer(answer, "the answer is not a successful Emarsys reply") };
    const data = added.safeParse(reply.data);
    if (!data.success) return { kind: "fail", ...unexpectedAnswer(answer, "the answer has no data.inserted_contacts") };
    const rejected = namedRows(data.data.errors, rows);
    if (rejected === undefined) return { kind: "fail", ...unexpectedAnswer(answer, "the answer names an id that was not sent") };
    const others = rows.length - rejected.size;
    const inserted = data.data.inserted_contacts;
    if (inserted > others) return { kind: "fail", ...unexpectedAnswer(answer, `the provider reports ${inserted} inserted of ${others} sent`) };
    const outcome: RowOutcome =
      inserted === others
        ? { status: "added" }
        : { status: "added_or_present", code: "counts_only", message: `${inserted} of ${others} in this request were inserted; Emarsys does not say which` };
    return { kind: "settled", outcomes: rows.map((_, i) => (rejected.has(i) ? { status: "rejected", ...rejected.get(i) } : outcome)) };
  }
  const error = describeError(answer);
  if (answer.status !== 400 || reply === undefined) return { kind: "fail", ...error };
  switch (reply.replyCode) {
    case 3004: // invalid contact list id
      return { kind: "stop", ...error, cause: "target" };
    case 3003: // the request's id list was not understood: every batch would fail alike
      return { kind: "stop", ...error };
    case 3002: // too many ids in one request
      return { kind: "split", ...error };
  }
  const errors = rowErrors.safeParse((reply.data as { errors?: unknown } | undefined)?.errors);
  const rejected = errors.success ? namedRows(errors.data, rows) : undefined;
  if (rejected !== undefined && rejected.size > 0) return { kind: "reject_rows", rejected };
  return { kind: "split", ...error };
}

/** Maps `errors` keys to sent rows; undefined when a key matches no row. */
function namedRows(errors: z.infer<typeof rowErrors> | undefined, rows: readonly SentRow[]): Map<number, ProviderError> | undefined {
  const rejected = new Map<number, ProviderError>();
  if (errors === undefined || Array.isArray(errors)) return rejected;
  const index = new Map(rows.map((row, i) => [row.identity, i]));
  for (const [id, reasons] of Object.entries(errors)) {
    const at = index.get(id) ?? index.get(id.trim()) ?? (id.includes("@") ? index.get(normaliseEmail(id)) : undefined);
    if (at === undefined) return undefined;
    const [code, message] = Object.entries(reasons)[0] ?? ["rejected", "refused by Emarsys"];
    rejected.set(at, { code, message });
  }
  return rejected;
}

/** The replyCode Emarsys gives errors of many kinds (a 500 and a 503 alike): for a server error, the HTTP status tells them apart. */
const GENERIC_REPLY = 1;

function describeError(answer: HttpAnswer): ProviderError {
  const reply = parseBody(answer, envelope);
  if (reply === undefined) return httpError(answer);
  const code = reply.replyCode === GENERIC_REPLY && answer.status >= 500 ? `http_${answer.status}` : String(reply.replyCode);
  return { code, message: reply.replyText ?? `HTTP ${answer.status}` };
}
