import { isUuid } from "../rows/uuid.js";
import { bearerToken, type RouteContext, type SandboxAnswer, type SandboxRequest, type SandboxRoute } from "./route.js";
import { rules } from "./rules.js";

interface Endpoint {
  collection: string;
  max: number;
  notFound: [code: string, message: string];
  forbidden: string;
  empty: [code: string, message: string];
  tooMany: [code: string, message: string];
  /** The answer once the ids are applied. */
  answer(target: string, added: string[], skipped: number, members: number): unknown;
}

const LIST: Endpoint = {
  collection: "leadlex-list",
  max: 100,
  notFound: ["not_found", "List not found or not in your workspace"],
  forbidden: "Missing write permission",
  empty: ["validation_error", "contact_ids must be a non-empty array of contact UUIDs"],
  tooMany: ["validation_error", "Requests may contain at most 100 contact IDs"],
  answer: (target, added, _, members) => ({ data: { added: added.length, list_id: target, contact_count: members } }),
};

const CAMPAIGN: Endpoint = {
  collection: "leadlex-campaign",
  max: 500,
  notFound: ["campaign_not_found", "No campaign with this ID"],
  forbidden: "Missing campaigns:write permission",
  empty: ["missing_required_field", "contact_ids missing or empty"],
  tooMany: ["too_many_contacts", "More than 500 contacts in a single request"],
  answer: (_, added, skipped) => ({ data: { added: added.length, skipped, contact_ids: added } }),
};

/** LeadLex "Add Contacts to List", with the documented limit, duplicate handling and error envelope. */
export const listRoute: SandboxRoute = {
  name: "leadlex-list",
  provider: "leadlex",
  pattern: /^\/leadlex\/v1\/lists\/([^/]+)\/contacts$/,
  authenticate,
  handle: (request, context) => addContacts(request, context, LIST),
  rateLimited,
  serverError,
};

/** LeadLex "Add Contacts to Campaign". */
export const campaignRoute: SandboxRoute = {
  name: "leadlex-campaign",
  provider: "leadlex",
  pattern: /^\/leadlex\/v1\/campaigns\/([^/]+)\/contacts$/,
  authenticate,
  handle: (request, context) => addContacts(request, context, CAMPAIGN),
  rateLimited,
  serverError,
};

function rateLimited(): SandboxAnswer {
  return error(429, "rate_limited", "Rate limit exceeded");
}

function serverError(status: number, message: string): SandboxAnswer {
  return error(status, status === 503 ? "service_unavailable" : "internal_server_error", message);
}

function authenticate(request: SandboxRequest): SandboxAnswer | undefined {
  const token = bearerToken(request.headers);
  if (token === undefined || rules.invalidToken(token)) return error(401, "invalid_key", "Invalid API key");
  return undefined;
}

function addContacts(request: SandboxRequest, context: RouteContext, endpoint: Endpoint): SandboxAnswer {
  const target = decodeURIComponent(request.params[0] ?? "");
  if (rules.missingTarget(target)) return error(404, ...endpoint.notFound);
  if (rules.forbiddenTarget(target)) return error(403, "insufficient_permissions", endpoint.forbidden);
  const ids = (request.body as { contact_ids?: unknown } | undefined)?.contact_ids;
  if (!Array.isArray(ids) || ids.length === 0) return error(400, ...endpoint.empty);
  if (ids.length > endpoint.max) return error(400, ...endpoint.tooMany);
  const invalid = ids.filter((id) => typeof id !== "string" || !isUuid(id) || rules.unknownContact(id));
  if (invalid.length > 0) {
    return error(400, "validation_error", "One or more contact IDs are invalid or not in your workspace", { invalid_ids: invalid });
  }
  if (ids.some((id) => rules.poisonContact(id as string))) return error(400, "validation_error", "The request could not be processed");
  const collection = `${endpoint.collection}:${target}`;
  const source = (request.body as { source?: unknown }).source;
  if (typeof source === "string") context.state.sources.set(collection, (context.state.sources.get(collection) ?? new Set()).add(source));
  const members = context.state.membersOf(collection);
  const added: string[] = [];
  for (const id of ids as string[]) {
    const key = id.toLowerCase();
    context.state.noteReceived(collection, key);
    if (rules.preexistingContact(key) || members.has(key)) continue;
    members.add(key);
    added.push(id);
  }
  return { status: 200, body: endpoint.answer(target, added, ids.length - added.length, members.size) };
}

function error(status: number, code: string, message: string, details?: Record<string, unknown>): SandboxAnswer {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}
