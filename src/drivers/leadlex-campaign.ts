import * as z from "zod/mini";
import { campaignRoute } from "../sandbox/leadlex.js";
import { parseBody, unexpectedAnswer } from "./answer.js";
import { checkContactId, contactIds, describeLeadLexError, interpretLeadLexError, LEADLEX_DRIVER, LEADLEX_MAX_BATCH_BYTES } from "./leadlex.js";
import type { DriverSpec } from "./types.js";

const enrolled = z.object({
  data: z.object({
    added: z.int().check(z.nonnegative()),
    skipped: z.int().check(z.nonnegative()),
    contact_ids: z.array(z.string()),
  }),
});

/**
 * LeadLex "Add Contacts to Campaign": up to 500 contact UUIDs per request, with an optional
 * `source` tag. The answer names the newly enrolled ids, so every row is attributed
 * exactly: named → `added`, the rest → `already_present`.
 */
export const leadlexCampaign: DriverSpec = {
  ...LEADLEX_DRIVER,
  name: "leadlex-campaign",
  summary: "Enroll contacts in a LeadLex campaign",
  endpoint: "POST {base}/v1/campaigns/{id}/contacts",
  maxBatch: 500,
  targetIs: "the campaign id",
  options: [{ flags: "--source <tag>", description: "free-form tag stored on each enrollment (e.g. import:csv-2026-04)" }],
  sandbox: [campaignRoute],
  create: ({ target, options }) => {
    const source = options.source === undefined ? "" : `,"source":${JSON.stringify(options.source)}`;
    return {
      maxBatchBytes: LEADLEX_MAX_BATCH_BYTES,
      keyField: "",
      check: checkContactId,
      request: (rows) => ({
        path: `/v1/campaigns/${encodeURIComponent(target)}/contacts`,
        body: `{${contactIds(rows)}${source}}`,
      }),
      interpret: (answer, rows) => {
        if (answer.status < 200 || answer.status >= 300) return interpretLeadLexError(answer, rows);
        const body = parseBody(answer, enrolled);
        if (body === undefined) return { kind: "fail", ...unexpectedAnswer(answer, "the answer has no data.contact_ids") };
        const { added, skipped, contact_ids: ids } = body.data;
        const sent = new Set(rows.map((row) => row.identity));
        const named = new Set(ids.map((id) => id.toLowerCase()));
        const consistent = named.size === added && added + skipped === rows.length && [...named].every((id) => sent.has(id));
        if (!consistent) {
          return {
            kind: "fail",
            ...unexpectedAnswer(answer, `the answer does not add up for ${rows.length} ids sent (added ${added}, skipped ${skipped}, ${ids.length} named)`),
          };
        }
        return { kind: "settled", outcomes: rows.map((row) => ({ status: named.has(row.identity) ? "added" : "already_present" })) };
      },
      describeError: describeLeadLexError,
    };
  },
};
