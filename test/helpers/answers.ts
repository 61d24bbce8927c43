import { readFileSync } from "node:fs";
import type { HttpAnswer } from "../../src/http/answer.js";

/** A recorded provider answer from fixtures/answers/<provider>/<name>.json. */
export function recorded(provider: string, name: string): HttpAnswer {
  const file = new URL(`../../fixtures/answers/${provider}/${name}.json`, import.meta.url);
  const { status, body, headers } = JSON.parse(readFileSync(file, "utf8")) as { status: number; body: unknown; headers?: Record<string, string> };
  return { status, headers: headers ?? {}, body: typeof body === "string" ? body : JSON.stringify(body) };
}

export function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers, body: typeof body === "string" ? body : JSON.stringify(body) };
}
