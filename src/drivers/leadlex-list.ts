import * as z from "zod/mini";
import { listRoute } from "../sandbox/leadlex.js";
import { parseBody, unexpectedAnswer } from "./answer.js";
import { checkContactId, contactIds, describeLeadLexError, interpretLeadLexError, LEADLEX_DRIVER, LEADLEX_MAX_BATCH_BYTES } from "./leadlex.js";
import type { DriverSpec, RowOutcome } from "./types.js";

const added = z.object({
  data: z.object({
    added: z.int().check(z.nonnegative()),
    list_id: z.optional(z.string()),
    contact_count: z.optional(z.int().check(z.nonnegative())),
  }),
});

/**
 * LeadLex "Add Contacts to List": up to 100 contact UUIDs per request. The answer only
 * counts the newly added contacts, so a batch is `added` when all were new,
 * `already_present` when none were, and `added_or_present` otherwise.
 */
export const leadlexList: DriverSpec = {
  ...LEADLEX_DRIVER,
  name: "leadlex-list",
  summary: "Add contacts to a LeadLex list",
  endpoint: "POST {base}/v1/lists/{id}/contacts",
  maxBatch: 100,
  targetIs: "the list id",
  options: [],
  sandbox: [listRoute],
  create: ({ target }) => ({
    maxBatchBytes: LEADLEX_MAX_BATCH_BYTES,
    keyField: "",
    check: checkContactId,
    request: (rows) => ({
      path: `/v1/lists/${encodeURIComponent(target)}/contacts`,
      body: `{${contactIds(rows)}}`,
    }),
    interpret: (answer, rows) => {
      if (answer.status < 200 || answer.status >= 300) return interpretLeadLexError(answer, rows);
      const body = parseBody(answer, added);
      if (body === undefined) return { kind: "fail", ...unexpectedAnswer(answer, "the answer has no data.added count") };
      const count = body.data.added;
      if (count > rows.length) {
        return { kind: "fail", ...unexpectedAnswer(answer, `the provider reports ${count} added of ${rows.length} sent`) };
      }
      const outcome: RowOutcome =
        count === rows.length
          ? { status: "added" }
          : count === 0
            ? { status: "already_present" }
            : { status: "added_or_present", code: "counts_only", message: `${count} of ${rows.length} in this request were new; LeadLex does not say which` };
      return { kind: "settled", outcomes: rows.map(() => outcome) };
    },
    describeError: describeLeadLexError,
  }),
};
