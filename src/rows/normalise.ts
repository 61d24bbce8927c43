import * as z from "zod/mini";

/** Emails compare case-insensitively. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * An address any provider could take: one `@` between a local part and a domain, no spaces
 * or quotes. Internationalised addresses (RFC 6531: `ü@example.com`, `user@bücher.de`) are
 * fine; whether the mailbox exists is the provider's to say, row by row.
 */
export function isEmail(email: string): boolean {
  const text = email.trim();
  return text.length <= 254 && z.regexes.unicodeEmail.test(text);
}

/**
 * `linkedin.com/in/<slug>` (a later segment, such as a language, is the same profile) or the
 * older `linkedin.com/pub/<name>/<a>/<b>/<c>`, on any of LinkedIn's hosts (`www.`, `m.`, a country).
 */
const LINKEDIN_PROFILE = /^(?:https?:\/\/)?(?:[a-z]{1,3}\.)?linkedin\.com\/(in|pub)\/([^/?#\s]+(?:\/[^/?#\s]+)*?)\/?(?:[?#]\S*)?$/i;

/** A LinkedIn person profile URL, with or without scheme or host prefix. */
export function isLinkedInProfile(url: string): boolean {
  return LINKEDIN_PROFILE.test(url.trim());
}

/**
 * One identity per profile however it is written: scheme, host prefix, query, fragment,
 * trailing slash, letter case and percent-encoding of the path do not matter.
 */
export function normaliseLinkedIn(url: string): string {
  const match = LINKEDIN_PROFILE.exec(url.trim());
  if (match === null) return url.trim().toLowerCase();
  const kind = (match[1] ?? "").toLowerCase();
  const segments = (match[2] ?? "").split("/");
  let path = kind === "in" ? (segments[0] ?? "") : segments.join("/");
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape stays as written; it still identifies the profile.
  }
  return `linkedin.com/${kind}/${path.toLowerCase()}`;
}
