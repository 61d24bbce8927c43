import type { Credentials } from "../config.js";
import { bearerAuth } from "./bearer.js";
import { oauth2Auth } from "./oauth2.js";
import type { Auth } from "./types.js";
import { wsseAuth } from "./wsse.js";

export function createAuth(credentials: Credentials, timeoutMs: number): Auth {
  switch (credentials.kind) {
    case "bearer":
      return bearerAuth(credentials.token);
    case "wsse":
      return wsseAuth(credentials.username, credentials.secret);
    case "oauth2":
      return oauth2Auth({ tokenUrl: credentials.tokenUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret, timeoutMs });
  }
}
