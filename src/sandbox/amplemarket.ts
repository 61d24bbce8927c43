import { isEmail, isLinkedInProfile, normaliseEmail, normaliseLinkedIn } from "../rows/normalise.js";
import { bearerToken, type RouteContext, type SandboxAnswer, type SandboxRequest, type SandboxRoute } from "./route.js";
import { rules } from "./rules.js";

const MAX_LEADS = 10_000;
const TYPES = ["linkedin", "email", "titles_and_company"];

interface ApiError {
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string };
}

/** Amplemarket "Add Leads to a List", with its validation, duplicate handling, list cap and error envelope. */
export const amplemarketRoute: SandboxRoute = {
  name: "amplemarket",
  provider: "amplemarket",
  pattern: /^\/amplemarket\/lead-lists\/([^/]+)\/leads$/,
  authenticate: (request) => {
    const token = bearerToken(request.headers);
    return token === undefined || rules.invalidToken(token)
      ? errors(401, [{ code: "unauthorized", title: "Unauthorized", detail: "Invalid API key." }])
      : undefined;
  },
  handle: addLeads,
  rateLimited: () => errors(429, [{ code: "rate_limited", title: "Too Many Requests", detail: "Rate limit exceeded." }]),
  serverError: (status, detail) =>
    errors(status, [
      status === 503
        ? { code: "service_unavailable", title: "Service Unavailable", detail }
        : { code: "internal_server_error", title: "Internal Server Error", detail },
    ]),
};

function addLeads(request: SandboxRequest, context: RouteContext): SandboxAnswer {
  const target = decodeURIComponent(request.params[0] ?? "");
  if (rules.missingTarget(target)) return errors(404, [{ code: "not_found", title: "Not Found", detail: "Could not find lead list." }]);
  if (rules.goneTarget(target)) return errors(410, [{ code: "gone", title: "Gone", detail: "Lead list is no longer available." }]);
  if (target.startsWith("nocredit")) {
    return errors(402, [{ code: "insufficient_credits", title: "Insufficient Credits", detail: "You do not have enough credits to perform this operation." }]);
  }
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return errors(400, [invalid("/", "The request body must be a JSON object.")]);
  const extra = Object.keys(body).find((name) => name !== "type" && name !== "leads");
  if (extra !== undefined) return errors(400, [invalid(`/${extra}`, `Unsupported field in request: ${extra}`)]);
  const { type, leads } = body as { type?: unknown; leads?: unknown };
  if (type === undefined) return errors(400, [missing("/type", "type")]);
  if (typeof type !== "string" || !TYPES.includes(type)) return errors(400, [invalid("/type", `'${String(type)}' is not a supported type.`)]);
  if (!Array.isArray(leads)) return errors(400, [missing("/leads", "leads")]);
  if (leads.length > MAX_LEADS) return errors(400, [invalid("/leads", "Number of leads exceeds 10,000 limit.")]);
  const problems = leads.flatMap((lead, i) => leadProblems(type, lead, i));
  if (problems.length > 0) return errors(400, problems);
  if (leads.some((lead) => JSON.stringify(lead).includes("badc0de"))) return errors(400, [invalid("/leads", "Unsupported value provided for field: leads")]);

  const collection = `amplemarket:${target}`;
  const members = context.state.membersOf(collection);
  if (members.size >= context.listCap) return listFull(context.listCap);
  let added = 0;
  for (const lead of leads as Record<string, unknown>[]) {
    const identity = leadIdentity(type, lead);
    context.state.noteReceived(collection, identity);
    if (members.has(identity) || members.size >= context.listCap) continue;
    members.add(identity);
    added++;
  }
  return { status: 202, body: { total: leads.length, total_added_to_lead_list: added } };
}

function leadProblems(type: string, lead: unknown, i: number): ApiError[] {
  if (typeof lead !== "object" || lead === null) return [invalid(`/leads/${i}`, `Unsupported value provided for field: leads[${i}]`)];
  const { linkedin_url: url, email, title, company_name: name, company_domain: domain } = lead as Record<string, unknown>;
  if (type === "linkedin") {
    if (typeof url !== "string" || url === "") return [missing(`/leads/${i}/linkedin_url`, `leads[${i}].linkedin_url`)];
    if (!isLinkedInProfile(url)) return [invalid(`/leads/${i}/linkedin_url`, `Unsupported value provided for field: leads[${i}].linkedin_url`)];
  } else if (type === "email") {
    if (typeof email !== "string" || email === "") return [missing(`/leads/${i}/email`, `leads[${i}].email`)];
    if (!isEmail(email) || rules.refusedEmail(email)) return [invalid(`/leads/${i}/email`, `Unsupported value provided for field: leads[${i}].email`)];
  } else {
    if (typeof title !== "string" || title === "") return [missing(`/leads/${i}/title`, `leads[${i}].title`)];
    if (typeof name !== "string" && typeof domain !== "string") return [missing(`/leads/${i}/company_name`, `leads[${i}].company_name`)];
  }
  return [];
}

function leadIdentity(type: string, lead: Record<string, unknown>): string {
  if (type === "linkedin") return normaliseLinkedIn(String(lead.linkedin_url));
  if (type === "email") return normaliseEmail(String(lead.email));
  return `${String(lead.title).toLowerCase()}|${String(lead.company_name ?? lead.company_domain).toLowerCase()}`;
}

function listFull(cap: number): SandboxAnswer {
  return errors(409, [
    {
      code: "conflict",
      title: "Conflict",
      detail: `The maximum of ${cap.toLocaleString("en-US")} leads per list has been reached.`,
      source: { pointer: "/leads" },
    },
  ]);
}

function missing(pointer: string, field: string): ApiError {
  return { code: "missing_field", title: "Missing Field", detail: `Missing field from request: ${field}`, source: { pointer } };
}

function invalid(pointer: string, detail: string): ApiError {
  return { code: "unsupported_value", title: "Unsupported Value", detail, source: { pointer } };
}

function errors(status: number, list: ApiError[]): SandboxAnswer {
  return { status, body: { _errors: list, object: "error" } };
}
