/**
 * The sandbox's documented special values, so that every outcome can be rehearsed.
 * Targets (list, campaign or lead-list ids):
 * - starting with `missing`: does not exist (LeadLex/Amplemarket 404, Emarsys replyCode 3004);
 * - starting with `forbidden`: the key lacks permission (403);
 * - starting with `gone`: Amplemarket 410.
 * LeadLex contact ids:
 * - starting with `00000000`: already a member of every list and campaign;
 * - starting with `deadbeef`: not in the workspace (named in `invalid_ids`);
 * - starting with `badc0de`: the whole request is refused without naming it.
 * Emarsys external ids starting with `unknown`, or internal ids (no `key_id`, or `id`)
 * that are not whole numbers: no such contact (error 2008).
 * Amplemarket emails on the reserved `.invalid` top-level domain are refused (400 with a
 * `source.pointer` naming the lead).
 * Credentials: any non-empty token works, except one starting with `invalid`.
 */
export const rules = {
  missingTarget: (id: string) => id.startsWith("missing"),
  forbiddenTarget: (id: string) => id.startsWith("forbidden"),
  goneTarget: (id: string) => id.startsWith("gone"),
  preexistingContact: (id: string) => id.toLowerCase().startsWith("00000000"),
  unknownContact: (id: string) => id.toLowerCase().startsWith("deadbeef"),
  poisonContact: (id: string) => id.toLowerCase().startsWith("badc0de"),
  unknownExternalId: (id: string) => id.startsWith("unknown"),
  refusedEmail: (email: string) => email.trim().toLowerCase().endsWith(".invalid"),
  invalidToken: (token: string) => token.startsWith("invalid"),
} as const;
