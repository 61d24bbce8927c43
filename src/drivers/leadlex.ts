import * as z from "zod/mini";
import { bearerCredentials } from "../auth/bearer.js";
import type { HttpAnswer } from "../http/answer.js";
import type { InputRecord } from "../input/table.js";
import type { RowAccess } from "../rows/columns.js";
import { keyText, quoted } from "../rows/key-text.js";
import { isUuid } from "../rows/uuid.js";
import { httpError, parseBody } from "./answer.js";
import type { BatchVerdict, DriverSpec, ProviderError, ProviderSpec, RowCheck, SentRow } from "./types.js";

/** LeadLex: both endpoints share the key, the base URL, the limits and one error envelope. */
export const LEADLEX: ProviderSpec = {
  name: "leadlex",
  label: "LeadLex",
  baseUrlEnv: "LEADLEX_BASE_URL",
  defaultBaseUrl: "https://data.leadlex.com/functions/v1/api-gateway",
  credentials: [bearerCredentials("LEADLEX_API_KEY")],
  // X-RateLimit-Limit counts requests per minute.
  rateLimit: { limitWindowMs: 60_000 },
  sandbox: {
    prefix: "/leadlex",
    limitStyle: "headers",
    env: (origin) => ({ LEADLEX_BASE_URL: `${origin}/leadlex`, LEADLEX_API_KEY: "sandbox-key" }),
  },
};

/** What the two LeadLex drivers declare alike. */
export const LEADLEX_DRIVER = {
  keyColumn: { candidates: ["contact_id", "id", "uuid"], keyName: "contact_id" },
  rowIs: "a contact UUID",
  provider: LEADLEX,
  looksLikeKey: (cell: string): boolean => isUuid(cell.trim()),
} satisfies Partial<DriverSpec>;

/** LeadLex's own batch ceilings are small; this only guards against absurd bodies. */
export const LEADLEX_MAX_BATCH_BYTES = 1_000_000;

const errorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.optional(z.string()),
    details: z.optional(z.looseObject({ invalid_ids: z.optional(z.array(z.unknown())) })),
  }),
});

/**
 * A contact id must be a UUID; it is sent trimmed and compared in lower case. Its body item
 * is the bare id: `contactIds` quotes the lot (one string per row fewer on the hot path).
 */
export function checkContactId(record: InputRecord, access: RowAccess): RowCheck {
  const value = access.key(record);
  const key = keyText(value);
  const id = key.trim();
  if (id === "") return { ok: false, key, code: "missing_key", message: "the row has no contact id" };
  if (typeof value !== "string" || !isUuid(id)) return { ok: false, key, code: "invalid_uuid", message: `${quoted(key)} is not a UUID` };
  return { ok: true, key, identity: id.toLowerCase(), item: id };
}

/** The `contact_ids` array of a request body; items are UUIDs, which need no escaping. */
export function contactIds(rows: readonly SentRow[]): string {
  return `"contact_ids":["${rows.map((row) => row.item).join('","')}"]`;
}

export function describeLeadLexError(answer: HttpAnswer): ProviderError {
  const envelope = parseBody(answer, errorEnvelope);
  if (envelope === undefined) return httpError(answer);
  return { code: envelope.error.code, message: envelope.error.message ?? `HTTP ${answer.status}` };
}

/**
 * LeadLex error answers: a 400 naming `invalid_ids` rejects those rows (the rest are sent
 * again); a 400 without names is split to find them; any other status fails the batch.
 */
export function interpretLeadLexError(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict {
  const error = describeLeadLexError(answer);
  if (answer.status !== 400) return { kind: "fail", ...error };
  const named = parseBody(answer, errorEnvelope)?.error.details?.invalid_ids ?? [];
  const wanted = new Set(named.map((id) => keyText(id).trim().toLowerCase()));
  const rejected = new Map<number, ProviderError>();
  rows.forEach((row, i) => {
    if (wanted.has(row.identity)) rejected.set(i, error);
  });
  return rejected.size > 0 ? { kind: "reject_rows", rejected } : { kind: "split", ...error };
}
