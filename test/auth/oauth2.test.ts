import { describe, expect, it } from "vitest";
import { oauth2Auth } from "../../src/auth/oauth2.js";
import { Redactor } from "../../src/auth/redactor.js";
import { AuthUnavailable } from "../../src/auth/types.js";
import { wsseAuth } from "../../src/auth/wsse.js";
import { sandbox } from "../helpers/sandbox.js";

describe("OAuth2 client credentials", () => {
  it("fetches one token for concurrent requests, renews it before expiry and after a 401", async () => {
    const box = await sandbox({ tokenTtlSeconds: 120 });
    let clock = Date.now();
    const auth = oauth2Auth({
      tokenUrl: box.tokenUrl,
      clientId: "client",
      clientSecret: "fake-secret",
      timeoutMs: 5000,
      redactor: new Redactor(),
      now: () => clock,
    });
    const never = new AbortController().signal;
    const first = await Promise.all([auth.headers(never), auth.headers(never), auth.headers(never)]);
    expect(new Set(first.map((h) => h.authorization)).size).toBe(1);
    expect(box.state.tokens.size).toBe(1);
    clock += 30_000;
    expect(await auth.headers(never)).toEqual(first[0]);
    clock += 40_000; // within a minute of expiry: renewed
    const renewed = await auth.headers(never);
    expect(renewed).not.toEqual(first[0]);
    // Requests that met the same expired token renew it once between them.
    await Promise.all([auth.refresh?.(never, renewed), auth.refresh?.(never, renewed)]);
    const third = await auth.headers(never);
    expect(third).not.toEqual(renewed);
    expect(box.state.tokens.size).toBe(3);
    await auth.refresh?.(never, renewed); // renewed already: nothing fetched
    expect(await auth.headers(never)).toEqual(third);
    expect(box.state.tokens.size).toBe(3);
  });

  it("stops with a clear error, without the secret, when the client is refused", async () => {
    const box = await sandbox();
    const auth = oauth2Auth({ tokenUrl: box.tokenUrl, clientId: "client", clientSecret: "invalid-secret-value", timeoutMs: 5000, redactor: new Redactor() });
    const error = await auth.headers(new AbortController().signal).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: "auth_failed", exitCode: 3, message: "the OAuth2 token endpoint gave no token: HTTP 401 invalid_client" });
    expect((error as Error).message).not.toContain("invalid-secret-value");
  });

  it("reports a busy or unreachable token endpoint as passing, with its Retry-After, never as a refusal", async () => {
    const box = await sandbox({ faults: { rate: 1, kinds: ["503"], seed: 1 } });
    const auth = oauth2Auth({ tokenUrl: box.tokenUrl, clientId: "client", clientSecret: "fake-secret", timeoutMs: 5000, redactor: new Redactor() });
    const error = await auth.headers(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthUnavailable);
    expect(error).toMatchObject({ status: 503, headers: { "retry-after": "1" } });
    const closed = oauth2Auth({
      tokenUrl: "http://127.0.0.1:1/token",
      clientId: "client",
      clientSecret: "fake-secret",
      timeoutMs: 5000,
      redactor: new Redactor(),
    });
    expect(await closed.headers(new AbortController().signal).catch((e: unknown) => e)).toBeInstanceOf(AuthUnavailable);
  });
});

describe("WSSE", () => {
  it("makes a fresh nonce and timestamp for every request", async () => {
    const auth = wsseAuth("user", "secret", new Redactor());
    const never = new AbortController().signal;
    const [a, b] = [await auth.headers(never), await auth.headers(never)];
    const nonce = (h: Record<string, string>): string | undefined => /Nonce="([0-9a-f]{32})"/.exec(h["x-wsse"] ?? "")?.[1];
    expect(nonce(a)).toBeDefined();
    expect(nonce(a)).not.toBe(nonce(b));
    expect(a["x-wsse"]).toMatch(/Created="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
  });
});
