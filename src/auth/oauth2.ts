import { request } from "undici";
import * as z from "zod/mini";
import { AddlistError, describeError, ExitCode } from "../errors.js";
import type { Auth } from "./types.js";

const tokenAnswer = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.coerce.number().check(z.positive())),
});

/** Renew this long before the token expires, so no request carries one that lapses in flight. */
const RENEW_BEFORE_MS = 60_000;
const TOKEN_ATTEMPTS = 3;

export interface OAuth2Options {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  now?: () => number;
}

/**
 * OAuth2 client credentials: a token from the token URL (HTTP Basic with the client id and
 * secret, `grant_type=client_credentials`), cached, renewed before it expires and once
 * after a 401. Concurrent requests share one token fetch.
 */
export function oauth2Auth(options: OAuth2Options): Auth {
  const now = options.now ?? Date.now;
  let token: { value: string; expiresAt: number } | undefined;
  let fetching: Promise<string> | undefined;
  const fetchToken = (): Promise<string> => {
    fetching ??= requestToken(options)
      .then((answer) => {
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
    headers: async () => {
      const value = token !== undefined && now() < token.expiresAt ? token.value : await fetchToken();
      return { authorization: `Bearer ${value}` };
    },
    refresh: async () => {
      token = undefined;
      await fetchToken();
      return true;
    },
  };
}

async function requestToken(options: OAuth2Options): Promise<z.infer<typeof tokenAnswer>> {
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
  let lastProblem = "";
  for (let attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
    try {
      const answer = await request(options.tokenUrl, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const text = await answer.body.text();
      if (answer.statusCode >= 500) {
        lastProblem = `HTTP ${answer.statusCode}`;
      } else if (answer.statusCode >= 400) {
        throw tokenRefused(`HTTP ${answer.statusCode}${errorCode(text)}`);
      } else {
        const parsed = tokenAnswer.safeParse(parseJson(text));
        if (parsed.success) return parsed.data;
        throw tokenRefused("the answer has no access_token");
      }
    } catch (error) {
      if (error instanceof AddlistError) throw error;
      lastProblem = describeError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
  }
  throw tokenRefused(`no token after ${TOKEN_ATTEMPTS} attempts (${lastProblem})`);
}

function tokenRefused(why: string): AddlistError {
  return new AddlistError(`the OAuth2 token endpoint gave no token: ${why}`, "auth_failed", ExitCode.stopped);
}

/** The `error` field of an OAuth2 error answer, if any (never the request's secrets). */
function errorCode(text: string): string {
  const body = parseJson(text) as { error?: unknown } | undefined;
  return typeof body?.error === "string" ? ` ${body.error}` : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
