import { UsageError } from "../errors.js";

/** Secrets travel only over https, except to this machine (the sandbox, a local proxy). */
export function checkedUrl(text: string, from: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${from} is not a URL: ${JSON.stringify(text)}`, "bad_base_url");
  }
  if (url.username !== "" || url.password !== "") throw new UsageError(`${from} must not contain a user name or password`, "bad_base_url");
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return url;
  throw new UsageError(`${from} must use https (plain http is allowed only to this machine): ${url.href}`, "insecure_base_url");
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
