import type { Credentials } from "../config.js";
import { bearerAuth } from "./bearer.js";
import { oauth2Auth } from "./oauth2.js";
import type { Redactor } from "./redactor.js";
import type { Auth } from "./types.js";
import { wsseAuth } from "./wsse.js";

/** The credentials as an Auth; every secret involved is registered with the redactor. */
export function createAuth(credentials: Credentials, timeoutMs: number, redactor: Redactor): Auth {
  switch (credentials.kind) {
    case "bearer":
      return bearerAuth(credentials.token, redactor);
    case "wsse":
      return wsseAuth(credentials.username, credentials.secret, redactor);
    case "oauth2":
      return oauth2Auth({ tokenUrl: credentials.tokenUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret, timeoutMs, redactor });
  }
}
