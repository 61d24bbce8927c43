import type { Redactor } from "./redactor.js";
import type { Auth } from "./types.js";

export function bearerAuth(token: string, redactor: Redactor): Auth {
  redactor.add(token);
  const headers = { authorization: `Bearer ${token}` };
  return { headers: async () => headers };
}
