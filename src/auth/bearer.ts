import type { Auth } from "./types.js";

export function bearerAuth(token: string): Auth {
  const headers = { authorization: `Bearer ${token}` };
  return { headers: async () => headers };
}
