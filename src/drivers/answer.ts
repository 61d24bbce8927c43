import type * as z from "zod/mini";
import type { HttpAnswer } from "../http/answer.js";
import { parseJson } from "../json.js";
import type { ProviderError } from "./types.js";

/** Parses a body against the provider's documented shape; undefined when it does not match. */
export function parseBody<T>(answer: HttpAnswer, schema: z.ZodMiniType<T>): T | undefined {
  const result = schema.safeParse(parseJson(answer.body));
  return result.success ? result.data : undefined;
}

/** A readable stand-in for a body that is not the provider's JSON. */
export function bodySnippet(answer: HttpAnswer): string {
  // An HTML error page (a proxy's) says it in its title, which its heading often repeats.
  const title = /<title>([^<]*)<\/title>/i.exec(answer.body)?.[1]?.trim();
  const text = (title === undefined || title === "" ? answer.body : title)
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text === "") return `HTTP ${answer.status} with an empty body`;
  return `HTTP ${answer.status}: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
}

export function httpError(answer: HttpAnswer): ProviderError {
  return { code: `http_${answer.status}`, message: bodySnippet(answer) };
}

/** An answer that does not say what happened to the rows: they are not assumed added. */
export function unexpectedAnswer(answer: HttpAnswer, why: string): ProviderError {
  return { code: "bad_response", message: `${why} (${bodySnippet(answer)})` };
}
