/**
 * The secrets of a run, to scrub from anything a provider says before it is written out:
 * a provider that echoes a request's credentials in an error must not put them in the
 * report. Credentials register themselves as they are made (an OAuth2 token when fetched).
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    // Short values would redact ordinary words; no real credential is that short.
    if (secret.length < 8) return;
    this.secrets.add(secret);
    this.secrets.add(Buffer.from(secret).toString("base64"));
  }

  scrub(text: string): string {
    let clean = text;
    for (const secret of this.secrets) if (clean.includes(secret)) clean = clean.replaceAll(secret, "[redacted]");
    return clean;
  }
}
