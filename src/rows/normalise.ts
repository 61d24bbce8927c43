import * as z from "zod/mini";

/** Emails compare case-insensitively. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isEmail(email: string): boolean {
  return email.length <= 254 && z.regexes.email.test(email.trim());
}

const LINKEDIN_PROFILE = /^(?:https?:\/\/)?(?:[a-z]{2,3}\.)?linkedin\.com\/(?:in|pub)\/([^/?#\s]+)\/?(?:[?#]\S*)?$/i;

/** A LinkedIn person profile URL (`linkedin.com/in/<slug>`, with or without scheme or `www.`). */
export function isLinkedInProfile(url: string): boolean {
  return LINKEDIN_PROFILE.test(url.trim());
}

/**
 * One identity per profile however it is written: scheme, `www.`/country host, query,
 * fragment, trailing slash, letter case and percent-encoding of the slug do not matter.
 */
export function normaliseLinkedIn(url: string): string {
  const match = LINKEDIN_PROFILE.exec(url.trim());
  if (match === null) return url.trim().toLowerCase();
  let slug = match[1] ?? "";
  try {
    slug = decodeURIComponent(slug);
  } catch {
    // A malformed escape stays as written; it still identifies the profile.
  }
  return `linkedin.com/in/${slug.toLowerCase()}`;
}
