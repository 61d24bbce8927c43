import type { Credentials } from "../config.js";
import { bearerAuth } from "./bearer.js";
import type { Auth } from "./types.js";

export function createAuth(credentials: Credentials): Auth {
  switch (credentials.kind) {
    case "bearer":
      return bearerAuth(credentials.token);
    default:
      throw new Error(`${credentials.kind} credentials are not supported yet`);
  }
}
