import { createHash, randomBytes } from "node:crypto";
import type { Redactor } from "./redactor.js";
import type { Auth } from "./types.js";

/**
 * Emarsys WSSE: a fresh nonce and timestamp for every request (so for every retry), and
 * PasswordDigest = base64 of the *hex* SHA-1 of nonce + created + secret.
 */
export function wsseAuth(username: string, secret: string, redactor: Redactor, now: () => Date = () => new Date()): Auth {
  redactor.add(secret);
  return {
    headers: async () => ({ "x-wsse": wsseHeader(username, secret, randomBytes(16).toString("hex"), now().toISOString()) }),
  };
}

export function wsseHeader(username: string, secret: string, nonce: string, created: string): string {
  return `UsernameToken Username="${username}", PasswordDigest="${wsseDigest(nonce, created, secret)}", Nonce="${nonce}", Created="${created}"`;
}

export function wsseDigest(nonce: string, created: string, secret: string): string {
  const hex = createHash("sha1")
    .update(nonce + created + secret)
    .digest("hex");
  return Buffer.from(hex).toString("base64");
}
