/**
 * What the sandbox holds: the members of every target, and how many times each key
 * arrived in a request the sandbox applied (so tests can prove nothing was sent twice).
 */
export class SandboxState {
  private readonly members = new Map<string, Set<string>>();
  private readonly received = new Map<string, Map<string, number>>();
  requests = 0;
  private readonly byStatus = new Map<number, number>();
  /** Emarsys OAuth2 tokens issued, with when they expire. */
  readonly tokens = new Map<string, number>();
  /** Set to refuse every client from now on (credentials revoked mid-run). */
  clientsRevoked = false;
  /** Emarsys WSSE nonces seen: a nonce is good once. */
  readonly nonces = new Set<string>();
  /** Faults injected, by kind. */
  readonly faults = new Map<string, number>();
  /** LeadLex campaign `source` tags seen, by collection. */
  readonly sources = new Map<string, Set<string>>();
  /** When the first endpoint request arrived and the last answer left (epoch ms): how long a run kept the sandbox busy. */
  private firstArrival: number | undefined;
  private lastAnswer: number | undefined;

  /** `collection` names the endpoint and target, e.g. `leadlex-list:demo`. */
  membersOf(collection: string): Set<string> {
    let set = this.members.get(collection);
    if (set === undefined) {
      set = new Set();
      this.members.set(collection, set);
    }
    return set;
  }

  noteReceived(collection: string, key: string): void {
    let counts = this.received.get(collection);
    if (counts === undefined) {
      counts = new Map();
      this.received.set(collection, counts);
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  noteAnswer(status: number): void {
    this.requests++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  noteArrival(at: number): void {
    this.firstArrival ??= at;
  }

  noteAnswerSent(at: number): void {
    this.lastAnswer = at;
  }

  receivedCounts(collection: string): Record<string, number> {
    return Object.fromEntries(this.received.get(collection) ?? []);
  }

  noteFault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  stats(): SandboxStats {
    return {
      requests: this.requests,
      by_status: Object.fromEntries([...this.byStatus].map(([status, n]) => [String(status), n])),
      faults: Object.fromEntries(this.faults),
      members: Object.fromEntries([...this.members].map(([collection, set]) => [collection, set.size])),
      first_request_at: isoOrNull(this.firstArrival),
      last_answer_at: isoOrNull(this.lastAnswer),
    };
  }
}

export interface SandboxStats {
  /** Answers sent (a connection reset or a hang is not an answer). */
  requests: number;
  by_status: Record<string, number>;
  faults: Record<string, number>;
  members: Record<string, number>;
  /** ISO times with milliseconds; null before the first request. */
  first_request_at: string | null;
  last_answer_at: string | null;
}

function isoOrNull(at: number | undefined): string | null {
  return at === undefined ? null : new Date(at).toISOString();
}
