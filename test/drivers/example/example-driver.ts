import * as z from "zod/mini";
import { bearerCredentials } from "../../../src/auth/bearer.js";
import { parseBody, unexpectedAnswer } from "../../../src/drivers/answer.js";
import type { DriverSpec, ProviderSpec } from "../../../src/drivers/types.js";
import { keyText } from "../../../src/rows/key-text.js";
import { exampleRoute } from "./example-sandbox.js";

/**
 * An example provider that addlist does not ship: a driver module as a new provider would
 * add it. Its API: `POST {base}/lists/{id}/members` with `{"members": [...], "tag": ...}`,
 * answered with the members newly added.
 */
export const EXAMPLE: ProviderSpec = {
  name: "example",
  label: "Example",
  baseUrlEnv: "EXAMPLE_BASE_URL",
  defaultBaseUrl: "https://api.example.com",
  credentials: [bearerCredentials("EXAMPLE_API_KEY")],
  rateLimit: {},
  sandbox: {
    prefix: "/example",
    limitStyle: "headers",
    env: (origin) => ({ EXAMPLE_BASE_URL: `${origin}/example`, EXAMPLE_API_KEY: "sandbox-key" }),
  },
};

const answer = z.object({ added: z.array(z.string()) });

export const exampleList: DriverSpec = {
  name: "example-list",
  summary: "Add members to an Example list",
  endpoint: "POST {base}/lists/{id}/members",
  maxBatch: 50,
  rowIs: "a member id (letters and digits)",
  targetIs: "the list id",
  keyColumn: { candidates: ["member_id", "id"], keyName: "member_id" },
  options: [
    {
      flags: "--tag <tag>",
      description: "a tag stored with each member",
      schema: z.string().check(z.regex(/^[a-z0-9-]+$/)),
      expected: "lower-case letters, digits and dashes",
    },
  ],
  provider: EXAMPLE,
  sandbox: [exampleRoute],
  looksLikeKey: (cell) => /^m\d+$/.test(cell),
  create: ({ target, options }) => ({
    maxBatchBytes: 100_000,
    keyField: "",
    check: (record, access) => {
      const key = keyText(access.key(record)).trim();
      if (!/^[A-Za-z0-9]+$/.test(key)) return { ok: false, key, code: "invalid_member", message: "a member id is letters and digits" };
      return { ok: true, key, identity: key.toLowerCase(), item: JSON.stringify(key) };
    },
    request: (rows) => ({
      path: `/lists/${encodeURIComponent(target)}/members`,
      body: `{"members":[${rows.map((row) => row.item).join(",")}]${options.tag === undefined ? "" : `,"tag":${JSON.stringify(options.tag)}`}}`,
    }),
    interpret: (reply, rows) => {
      const body = parseBody(reply, answer);
      if (reply.status !== 200 || body === undefined) return { kind: "fail", ...unexpectedAnswer(reply, "not an Example answer") };
      const added = new Set(body.added.map((id) => id.toLowerCase()));
      return { kind: "settled", outcomes: rows.map((row) => ({ status: added.has(row.identity) ? "added" : "already_present" })) };
    },
    describeError: (reply) => ({ code: `http_${reply.status}`, message: reply.body.slice(0, 100) }),
  }),
};
