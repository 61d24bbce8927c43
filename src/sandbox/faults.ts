/**
 * What can go wrong with a request, on purpose: failures, and answers no client should
 * trust (a huge body, a body that is not JSON or not the documented shape, counts larger
 * than the request, a redirect elsewhere, a body that trickles in).
 */
export const FAULT_KINDS = [
  "500",
  "502",
  "503",
  "reset-before",
  "reset-after",
  "hang",
  "huge-body",
  "not-json",
  "wrong-shape",
  "overcount",
  "redirect",
  "slow-body",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Share of requests that meet a fault, 0 to 1. */
  rate: number;
  kinds: readonly FaultKind[];
  seed: number;
}

/**
 * Decides, request by request in arrival order, which meet a fault. Seeded, so a run
 * that sends the same requests in the same order meets the same faults.
 */
export class FaultPlan {
  private readonly random: () => number;

  constructor(private readonly options: FaultOptions) {
    this.random = seededRandom(options.seed);
  }

  next(): FaultKind | undefined {
    if (this.options.rate <= 0 || this.options.kinds.length === 0) return undefined;
    if (this.random() >= this.options.rate) return undefined;
    return this.options.kinds[Math.floor(this.random() * this.options.kinds.length)];
  }
}

/** A seeded sequence of numbers in [0, 1) (mulberry32), so that a rehearsal can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFaultKinds(text: string): FaultKind[] {
  const kinds = text
    .split(",")
    .map((kind) => kind.trim())
    .filter((kind) => kind !== "");
  const unknown = kinds.find((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
  if (unknown !== undefined) throw new Error(`unknown fault kind "${unknown}": expected some of ${FAULT_KINDS.join(", ")}`);
  return kinds as FaultKind[];
}
