import { type FieldMember, parseStructuredField } from "./structured-fields.js";

/**
 * The IETF rate-limit fields (draft-ietf-httpapi-ratelimit-headers), in the forms servers
 * send them:
 * - `RateLimit: "default";r=50;t=30` (draft 08 on: one item per policy, r requests
 *   remaining, t seconds to reset), or the draft-07 dictionary `limit=100, remaining=50, reset=30`;
 * - `RateLimit-Policy: "permin";q=50;w=60` (q requests per w seconds), or the older
 *   `50;w=60`, which the first drafts also put in `RateLimit-Limit: 50, 50;w=60`.
 * (The separate `RateLimit-Remaining` and `RateLimit-Reset` fields are plain numbers: see retry-timing.)
 */
type HeaderGetter = (name: string) => string | undefined;

export interface IetfLimit {
  remaining: number;
  resetSeconds: number | undefined;
}

export interface QuotaPolicy {
  quota: number;
  windowSeconds: number;
}

/** The limit closest to running out among those `RateLimit` reports. */
export function ietfCurrentLimit(get: HeaderGetter): IetfLimit | undefined {
  const text = get("ratelimit");
  if (text === undefined) return undefined;
  const members = parseStructuredField(text);
  const limits = members.some((member) => member.key !== undefined) ? [dictionaryLimit(members)] : members.map(itemLimit);
  let binding: IetfLimit | undefined;
  for (const limit of limits) {
    if (limit === undefined) continue;
    // The one with the fewest requests left binds; of two equally spent, the one that stays spent longer.
    if (
      binding === undefined ||
      limit.remaining < binding.remaining ||
      (limit.remaining === binding.remaining && (limit.resetSeconds ?? 0) > (binding.resetSeconds ?? 0))
    ) {
      binding = limit;
    }
  }
  return binding;
}

/** Every request-counting quota policy the server states, in `RateLimit-Policy` or the older `RateLimit-Limit`. */
export function ietfPolicies(get: HeaderGetter): QuotaPolicy[] {
  const members = [get("ratelimit-policy"), get("ratelimit-limit")].flatMap((text) => (text === undefined ? [] : parseStructuredField(text)));
  return members.flatMap((member) => {
    const window = count(member.params.get("w"));
    // Draft 08 on names the policy and puts the quota in q; the older drafts make the quota the item itself.
    const quota = count(member.params.get("q")) ?? count(member.value);
    const unit = member.params.get("qu");
    if (window === undefined || window <= 0 || quota === undefined || (unit !== undefined && unit !== "requests")) return [];
    return [{ quota, windowSeconds: window }];
  });
}

function itemLimit(member: FieldMember): IetfLimit | undefined {
  const remaining = count(member.params.get("r"));
  return remaining === undefined ? undefined : { remaining, resetSeconds: count(member.params.get("t")) };
}

function dictionaryLimit(members: FieldMember[]): IetfLimit | undefined {
  const field = (key: string): number | undefined => count(members.find((member) => member.key === key)?.value);
  const remaining = field("remaining");
  return remaining === undefined ? undefined : { remaining, resetSeconds: field("reset") };
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
