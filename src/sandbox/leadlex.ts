import { isUuid } from "../rows/uuid.js";
import { bearerToken, type RouteContext, type SandboxAnswer, type SandboxRequest, type SandboxRoute } from "./route.js";
import { rules } from "./rules.js";

/** The LeadLex endpoints, with the documented limits, duplicate handling and error envelope. */
export const leadlexRoutes: readonly SandboxRoute[] = [
  {
    name: "leadlex-list",
    provider: "leadlex",
    pattern: /^\/leadlex\/v1\/lists\/([^/]+)\/contacts$/,
    authenticate,
    handle: (request, context) => addContacts(request, context, { collection: "leadlex-list", max: 100, notFound: "not_found" }),
  },
];

interface Endpoint {
  collection: string;
  max: number;
  notFound: string;
}

function authenticate(request: SandboxRequest): SandboxAnswer | undefined {
  const token = bearerToken(request.headers);
  if (token === undefined || rules.invalidToken(token)) return error(401, "invalid_key", "Invalid API key");
  return undefined;
}

function addContacts(request: SandboxRequest, context: RouteContext, endpoint: Endpoint): SandboxAnswer {
  const target = decodeURIComponent(request.params[0] ?? "");
  if (rules.missingTarget(target)) return error(404, endpoint.notFound, "List not found or not in your workspace");
  if (rules.forbiddenTarget(target)) return error(403, "insufficient_permissions", "Missing write permission");
  const ids = (request.body as { contact_ids?: unknown } | undefined)?.contact_ids;
  if (!Array.isArray(ids) || ids.length === 0) return error(400, "validation_error", "contact_ids must be a non-empty array of contact UUIDs");
  if (ids.length > endpoint.max) return error(400, "validation_error", `Requests may contain at most ${endpoint.max} contact IDs`);
  const invalid = ids.filter((id) => typeof id !== "string" || !isUuid(id) || rules.unknownContact(id));
  if (invalid.length > 0) {
    return error(400, "validation_error", "One or more contact IDs are invalid or not in your workspace", { invalid_ids: invalid });
  }
  if (ids.some((id) => rules.poisonContact(id as string))) return error(400, "validation_error", "The request could not be processed");
  const collection = `${endpoint.collection}:${target}`;
  const members = context.state.membersOf(collection);
  let added = 0;
  for (const id of ids as string[]) {
    const key = id.toLowerCase();
    context.state.noteReceived(collection, key);
    if (rules.preexistingContact(key) || members.has(key)) continue;
    members.add(key);
    added++;
  }
  return { status: 200, body: { data: { added, list_id: target, contact_count: members.size } } };
}

function error(status: number, code: string, message: string, details?: Record<string, unknown>): SandboxAnswer {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}
