import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config.js";
import { checkedUrl, isLoopback } from "../src/http/url.js";
import { emarsys } from "../src/drivers/emarsys.js";
import { leadlexList } from "../src/drivers/leadlex-list.js";
import { UsageError } from "../src/errors.js";

describe("base URLs", () => {
  it.each(["https://api.example.com/v1", "http://localhost:4010/leadlex", "http://127.0.0.1:1", "http://127.8.9.10/x", "http://[::1]:4010/"])(
    "accepts %s",
    (url) => {
      expect(checkedUrl(url, "--base-url").href).toBe(new URL(url).href);
    },
  );

  it.each([
    ["http://api.example.com", /must use https \(plain http is allowed only to this machine\)/],
    ["http://10.0.0.1:8080", /must use https/],
    ["http://localhost.example.com", /must use https/],
    ["ftp://localhost/", /must use https/],
    ["https://user:pass@api.example.com", /must not contain a user name or password/],
    ["not a url", /is not a URL/],
  ])("refuses %s", (url, message) => {
    expect(() => checkedUrl(url, "--base-url")).toThrow(message);
  });

  it("knows loopback hosts", () => {
    expect(["localhost", "127.0.0.1", "127.255.0.1", "::1", "[::1]"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "128.0.0.1", "localhost.", "example.com"].some(isLoopback)).toBe(false);
  });

  it("checks the Emarsys token URL the same way, and never puts a secret in the error", () => {
    const env = { EMARSYS_CLIENT_ID: "id", EMARSYS_CLIENT_SECRET: "secret-never-shown", EMARSYS_TOKEN_URL: "http://auth.example.com/token" };
    expect(() => resolveConfig(emarsys, "1", "x.csv", {}, env, false)).toThrow(/EMARSYS_TOKEN_URL must use https/);
    try {
      resolveConfig(emarsys, "1", "x.csv", {}, env, false);
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-never-shown");
    }
  });

  it("takes the base URL from the flag, then the environment, then the default", () => {
    const env = { LEADLEX_API_KEY: "k", LEADLEX_BASE_URL: "https://env.example.com/gw" };
    expect(resolveConfig(leadlexList, "l", "x.csv", { baseUrl: "https://flag.example.com" }, env, false).baseUrl?.href).toBe("https://flag.example.com/");
    expect(resolveConfig(leadlexList, "l", "x.csv", {}, env, false).baseUrl?.href).toBe("https://env.example.com/gw");
    expect(resolveConfig(leadlexList, "l", "x.csv", {}, { LEADLEX_API_KEY: "k" }, false).baseUrl?.href).toBe(
      "https://data.leadlex.com/functions/v1/api-gateway",
    );
    expect(resolveConfig(emarsys, "1", "x.csv", {}, { EMARSYS_USERNAME: "u", EMARSYS_SECRET: "s" }, false).baseUrl?.href).toBe(
      "https://api.emarsys.net/api/v2",
    );
  });

  it("needs credentials only when it sends", () => {
    expect(() => resolveConfig(leadlexList, "l", "x.csv", {}, {}, false)).toThrow(UsageError);
    expect(resolveConfig(leadlexList, "l", "x.csv", { dryRun: true }, {}, false).credentials).toBeUndefined();
    expect(resolveConfig(leadlexList, "l", "x.csv", { sandbox: true }, {}, false).credentials).toBeUndefined();
    // A quote would end the X-WSSE header's user name early.
    expect(() => resolveConfig(emarsys, "1", "x.csv", {}, { EMARSYS_USERNAME: 'a"b', EMARSYS_SECRET: "s" }, false)).toThrow(
      'EMARSYS_USERNAME cannot hold a double quote (")',
    );
  });
});
