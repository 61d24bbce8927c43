import * as z from "zod/mini";
import type { HttpAnswer } from "../http/client.js";
import type { InputRecord } from "../input/table.js";
import type { RowAccess } from "../rows/columns.js";
import { keyText, quoted } from "../rows/key-text.js";
import { isUuid } from "../rows/uuid.js";
import { httpError, isRunLevel, parseBody } from "./answer.js";
import type { BatchVerdict, ProviderError, RowCheck, SentRow } from "./types.js";

/** What LeadLex's two endpoints share: UUID contact ids and one error envelope. */
export const LEADLEX_KEY_COLUMN = { candidates: ["contact_id", "id", "uuid"], keyName: "contact_id" } as const;

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
  const normal = id.toLowerCase();
  return { ok: true, key, identity: normal, item: id, match: normal };
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
 * again); a 400 without names is split to find them; run-level statuses (401, 403, 404
 * and their like) stop the run; any other status fails the batch.
 */
export function interpretLeadLexError(answer: HttpAnswer, rows: readonly SentRow[]): BatchVerdict {
  const error = describeLeadLexError(answer);
  if (isRunLevel(answer.status)) return { kind: "stop", ...error };
  if (answer.status !== 400) return { kind: "fail", ...error };
  const named = parseBody(answer, errorEnvelope)?.error.details?.invalid_ids ?? [];
  const wanted = new Set(named.map((id) => keyText(id).trim().toLowerCase()));
  const rejected = new Map<number, ProviderError>();
  rows.forEach((row, i) => {
    if (wanted.has(row.match)) rejected.set(i, error);
  });
  return rejected.size > 0 ? { kind: "reject_rows", rejected } : { kind: "split", ...error };
}
