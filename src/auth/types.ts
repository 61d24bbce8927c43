/** How requests prove who they are. */
export interface Auth {
  /**
   * Headers for one attempt: computed per attempt, since WSSE needs a fresh nonce every
   * time. `signal` abandons any fetching (an OAuth2 token) when the run is abandoned.
   */
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /** After a 401: fetches new credentials; true when the request may be repeated once. */
  refresh?(signal: AbortSignal): Promise<boolean>;
}
