import { randomBytes } from "node:crypto";
import { wsseDigest } from "../auth/wsse.js";
import { bearerToken, type RouteContext, type SandboxAnswer, type SandboxRequest, type SandboxRoute } from "./route.js";
import { rules } from "./rules.js";

/** The secret the sandbox assumes for every WSSE user, so that digests can be checked. */
export const SANDBOX_WSSE_SECRET = "sandbox-secret";
const WSSE_MAX_AGE_MS = 5 * 60_000;
const MAX_IDS = 10_000;

/** The Emarsys OAuth2 token endpoint; on its own host, so outside the API's rate limits. */
export const tokenRoute: SandboxRoute = {
  name: "emarsys-token",
  provider: "emarsys",
  pattern: /^\/emarsys\/oauth2\/token$/,
  authenticate: () => undefined,
  handle: issueToken,
  serverError: (status, message) => ({ status, body: { error: "server_error", error_description: message } }),
};

/** Emarsys "add contacts to a contact list", under OAuth2 (v3) and WSSE (v2). */
export const emarsysRoutes: readonly SandboxRoute[] = [
  {
    name: "emarsys",
    provider: "emarsys",
    pattern: /^\/emarsys\/api\/v3\/contactlist\/([^/]+)\/add$/,
    authenticate: (request, context) => {
      const token = bearerToken(request.headers);
      const expiresAt = token === undefined ? undefined : context.state.tokens.get(token);
      return expiresAt !== undefined && expiresAt > Date.now() ? undefined : reply(401, 1, "Unauthorized: the access token is missing, unknown or expired");
    },
    handle: addToList,
    rateLimited,
    serverError: (status, message) => reply(status, 1, message),
  },
  {
    name: "emarsys",
    provider: "emarsys",
    pattern: /^\/emarsys\/api\/v2\/contactlist\/([^/]+)\/add$/,
    authenticate: checkWsse,
    handle: addToList,
    rateLimited,
    serverError: (status, message) => reply(status, 1, message),
  },
];

function rateLimited(): SandboxAnswer {
  return reply(429, 7003, "Rate limit exceeded");
}

function issueToken(request: SandboxRequest, context: RouteContext): SandboxAnswer {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  // RFC 6749 §2.3.1: each half is form-encoded, so a ":" in either cannot be mistaken for the divider.
  const [clientId, clientSecret] = Buffer.from(basic?.[1] ?? "", "base64")
    .toString("utf8")
    .split(":")
    .map((part) => formDecode(part));
  if (!/grant_type=client_credentials/.test(request.rawBody)) return { status: 400, body: { error: "unsupported_grant_type" } };
  if (!clientId || !clientSecret || rules.invalidToken(clientSecret) || context.state.clientsRevoked) return { status: 401, body: { error: "invalid_client" } };
  const token = `sandbox-${randomBytes(12).toString("hex")}`;
  context.state.tokens.set(token, Date.now() + context.tokenTtlSeconds * 1000);
  return { status: 200, body: { access_token: token, token_type: "Bearer", expires_in: context.tokenTtlSeconds } };
}

function checkWsse(request: SandboxRequest, context: RouteContext): SandboxAnswer | undefined {
  const header = String(request.headers["x-wsse"] ?? "");
  const field = (name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];
  const [username, digest, nonce, created] = [field("Username"), field("PasswordDigest"), field("Nonce"), field("Created")];
  if (!username || !digest || !nonce || !created || !/^UsernameToken /.test(header)) return reply(401, 1, "Unauthorized: X-WSSE header missing or malformed");
  if (rules.invalidToken(username)) return reply(401, 1, "Unauthorized");
  if (!/^[0-9a-f]{32}$/.test(nonce)) return reply(401, 1, "Unauthorized: the nonce must be 32 hex characters");
  const age = Date.now() - Date.parse(created);
  if (Number.isNaN(age) || Math.abs(age) > WSSE_MAX_AGE_MS) return reply(401, 1, "Unauthorized: Created is not a current timestamp");
  if (context.state.nonces.has(nonce)) return reply(401, 1, "Unauthorized: the nonce was used before");
  if (digest !== wsseDigest(nonce, created, SANDBOX_WSSE_SECRET)) return reply(401, 1, "Unauthorized: PasswordDigest does not match");
  context.state.nonces.add(nonce);
  return undefined;
}

function addToList(request: SandboxRequest, context: RouteContext): SandboxAnswer {
  const target = decodeURIComponent(request.params[0] ?? "");
  if (!/^\d+$/.test(target) || rules.missingTarget(target)) return reply(400, 3004, `Invalid contact list id: ${target}`);
  const body = request.body as { key_id?: unknown; external_ids?: unknown } | undefined;
  const ids = body?.external_ids;
  if (!Array.isArray(ids)) return reply(400, 3003, "Invalid datatype for the list of external IDs. Array expected.");
  if (ids.length > MAX_IDS) return reply(400, 3002, "The list of external IDs exceeds the maximum size.");
  if (ids.some((id) => typeof id === "string" && rules.poisonContact(id))) return reply(400, 1006, "The request could not be processed.");
  const keyId = body?.key_id === undefined ? "id" : String(body.key_id);
  const collection = `emarsys:${target}`;
  const members = context.state.membersOf(collection);
  const errors: Record<string, Record<string, string>> = {};
  let inserted = 0;
  // Internal ids are whole numbers: anything else sent without a key_id matches no contact.
  const internal = keyId === "id";
  for (const id of ids) {
    const key = typeof id === "string" ? id : JSON.stringify(id);
    if ((typeof id === "string" && rules.unknownExternalId(id)) || (internal && !/^\d+$/.test(key))) {
      errors[key] = { "2008": `No contact found with the external id: ${keyId} - ${key}` };
      continue;
    }
    context.state.noteReceived(collection, key);
    if (members.has(key)) continue;
    members.add(key);
    inserted++;
  }
  const named = Object.keys(errors).length;
  if (named > 0 && named === ids.length) return reply(400, 2008, "No contact found with the external ID.", { errors });
  return reply(200, 0, "OK", { inserted_contacts: String(inserted), errors: named === 0 ? [] : errors });
}

function reply(status: number, replyCode: number, replyText: string, data: unknown = ""): SandboxAnswer {
  return { status, body: { replyCode, replyText, data } };
}

function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}
