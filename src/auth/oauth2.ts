import type { Agent } from "undici";
import * as z from "zod/mini";
import { AddlistError, describeError, ExitCode } from "../errors.js";
import { parseJson } from "../json.js";
import type { Redactor } from "./redactor.js";
import { type Auth, AuthUnavailable } from "./types.js";

const tokenAnswer = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.coerce.number().check(z.positive())),
});

/** Renew this long before the token expires, so no request carries one that lapses in flight. */
const RENEW_BEFORE_MS = 60_000;
/** A token answer is a few hundred bytes; anything much larger is not one. */
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

export interface OAuth2Options {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  redactor: Redactor;
  now?: () => number;
}

/**
 * OAuth2 client credentials: a token from the token URL (HTTP Basic with the client id and
 * secret, `grant_type=client_credentials`), cached, renewed before it expires and once
 * after a 401. Concurrent requests share one token fetch. A token endpoint that refuses
 * the client stops the run (AddlistError); one that is busy or down throws AuthUnavailable,
 * and the request is retried like any other failure.
 */
export function oauth2Auth(options: OAuth2Options): Auth {
  const now = options.now ?? Date.now;
  // RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined.
  const basic = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
  options.redactor.add(options.clientSecret);
  options.redactor.add(basic);
  // undici is loaded with the first token request, not by every run that might need one.
  let agent: Promise<Agent> | undefined;
  const dispatcher = (): Promise<Agent> =>
    (agent ??= import("undici").then(
      ({ Agent }) => new Agent({ maxResponseSize: MAX_TOKEN_ANSWER_BYTES, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs }),
    ));
  let token: { value: string; expiresAt: number } | undefined;
  let fetching: Promise<string> | undefined;
  const fetchToken = (signal: AbortSignal): Promise<string> => {
    fetching ??= requestToken(options.tokenUrl, basic, options.redactor, dispatcher, signal)
      .then((answer) => {
        options.redactor.add(answer.access_token);
        const lifetime = (answer.expires_in ?? 3600) * 1000;
        token = { value: answer.access_token, expiresAt: now() + Math.max(lifetime - RENEW_BEFORE_MS, lifetime / 2) };
        return answer.access_token;
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };
  return {
    headers: async (signal) => {
      const value = token !== undefined && now() < token.expiresAt ? token.value : await fetchToken(signal);
      return { authorization: `Bearer ${value}` };
    },
    refresh: async (signal, rejected) => {
      // Many requests in flight meet the same expired token: only the first renews it.
      if (token !== undefined && rejected.authorization === `Bearer ${token.value}`) token = undefined;
      if (token === undefined) await fetchToken(signal);
    },
  };
}

/** One token request with HTTP Basic credentials (`basic`, before base64). */
async function requestToken(
  tokenUrl: string,
  basic: string,
  redactor: Redactor,
  dispatcher: () => Promise<Agent>,
  signal: AbortSignal,
): Promise<z.infer<typeof tokenAnswer>> {
  const url = new URL(tokenUrl);
  let answer: Awaited<ReturnType<Agent["request"]>>;
  let text: string;
  try {
    answer = await (
      await dispatcher()
    ).request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(basic).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
      signal,
    });
    text = await answer.body.text();
  } catch (error) {
    if (signal.aborted) throw error;
    throw new AuthUnavailable(`the OAuth2 token endpoint cannot be reached (${redactor.scrub(describeError(error))})`, undefined, {}, { cause: error });
  }
  const status = answer.statusCode;
  if (status === 429 || status >= 500) throw new AuthUnavailable(`the OAuth2 token endpoint answered HTTP ${status}`, status, answer.headers);
  if (status >= 400) throw tokenRefused(`HTTP ${status}${redactor.scrub(errorCode(text))}`);
  const parsed = tokenAnswer.safeParse(parseJson(text));
  if (!parsed.success) throw tokenRefused("the answer holds no usable access_token and expires_in");
  return parsed.data;
}

function tokenRefused(why: string): AddlistError {
  return new AddlistError(`the OAuth2 token endpoint gave no token: ${why}`, "auth_failed", ExitCode.stopped);
}

/** The `error` field of an OAuth2 error answer, if any (never the request's secrets). */
function errorCode(text: string): string {
  const body = parseJson(text) as { error?: unknown } | undefined;
  return typeof body?.error === "string" ? ` ${body.error}` : "";
}
