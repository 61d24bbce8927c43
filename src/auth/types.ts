/** How requests prove who they are. */
export interface Auth {
  /** Headers for one attempt: computed per attempt, since WSSE needs a fresh nonce every time. */
  headers(): Promise<Record<string, string>>;
  /** After a 401: fetches new credentials; true when the request may be repeated once. */
  refresh?(): Promise<boolean>;
}

/** The headers that carry secrets: never printed. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(["authorization", "x-wsse"]);
