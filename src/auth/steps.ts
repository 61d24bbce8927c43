import type { ProviderError } from "../drivers/types.js";
import { AddlistError } from "../errors.js";
import { type Auth, AuthUnavailable } from "./types.js";

/**
 * The outcome of getting (or renewing) credentials for one attempt, as data:
 * - the headers to send;
 * - `refused`: the credentials were refused (an OAuth2 client turned down): the run stops;
 * - `unavailable`: the token endpoint is busy (429), failing or out of reach: wait and retry;
 * - `abandoned`: the run was abandoned while waiting.
 */
export type CredentialStep =
  | { kind: "headers"; headers: Record<string, string> }
  | ({ kind: "refused" } & ProviderError)
  | { kind: "unavailable"; unavailable: AuthUnavailable }
  | { kind: "abandoned" };

export function credentialsFor(auth: Auth, signal: AbortSignal): Promise<CredentialStep> {
  return step(async () => ({ kind: "headers", headers: await auth.headers(signal) }), signal);
}

/**
 * After a 401 to a request sent with `rejected`: renews the credentials once (unless another
 * request already did). Undefined when this kind of credentials cannot be renewed.
 */
export async function renewedAfter401(auth: Auth, signal: AbortSignal, rejected: Record<string, string>): Promise<CredentialStep | undefined> {
  const refresh = auth.refresh;
  if (refresh === undefined) return undefined;
  return step(async () => {
    await refresh(signal, rejected);
    return { kind: "headers", headers: await auth.headers(signal) };
  }, signal);
}

async function step(run: () => Promise<CredentialStep>, signal: AbortSignal): Promise<CredentialStep> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AddlistError) return { kind: "refused", code: error.code, message: error.message };
    if (signal.aborted) return { kind: "abandoned" };
    if (error instanceof AuthUnavailable) return { kind: "unavailable", unavailable: error };
    throw error;
  }
}
