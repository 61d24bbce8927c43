import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import * as z from "zod/mini";
import { AddlistError, describeError, ExitCode } from "../errors.js";
import { parseJson } from "../json.js";
import type { Redactor } from "./redactor.js";
import type { Auth } from "./types.js";

const tokenAnswer = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.coerce.number().check(z.positive())),
});

/** Renew this long before the token expires, so no request carries one that lapses in flight. */
const RENEW_BEFORE_MS = 60_000;
const TOKEN_ATTEMPTS = 3;
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
 * after a 401. Concurrent requests share one token fetch.
 */
export function oauth2Auth(options: OAuth2Options): Auth {
  const now = options.now ?? Date.now;
  options.redactor.add(options.clientSecret);
  options.redactor.add(`${options.clientId}:${options.clientSecret}`);
  const dispatcher = new Agent({ maxResponseSize: MAX_TOKEN_ANSWER_BYTES, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  let token: { value: string; expiresAt: number } | undefined;
  let fetching: Promise<string> | undefined;
  const fetchToken = (signal: AbortSignal): Promise<string> => {
    fetching ??= requestToken(options, dispatcher, signal)
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
    refresh: async (signal) => {
      token = undefined;
      await fetchToken(signal);
      return true;
    },
  };
}

async function requestToken(options: OAuth2Options, dispatcher: Agent, signal: AbortSignal): Promise<z.infer<typeof tokenAnswer>> {
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
  let lastProblem = "";
  for (let attempt = 1; attempt <= TOKEN_ATTEMPTS; attempt++) {
    try {
      const answer = await request(options.tokenUrl, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
        dispatcher,
        signal,
      });
      const text = await answer.body.text();
      if (answer.statusCode >= 500) {
        lastProblem = `HTTP ${answer.statusCode}`;
      } else if (answer.statusCode >= 400) {
        throw tokenRefused(`HTTP ${answer.statusCode}${options.redactor.scrub(errorCode(text))}`);
      } else {
        const parsed = tokenAnswer.safeParse(parseJson(text));
        if (parsed.success) return parsed.data;
        throw tokenRefused("the answer has no access_token");
      }
    } catch (error) {
      if (error instanceof AddlistError || signal.aborted) throw error;
      lastProblem = describeError(error);
    }
    await sleep(250 * 2 ** attempt, undefined, { signal });
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
