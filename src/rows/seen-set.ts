import { fmix32, murmur3x86_128 } from "./murmur3.js";
import { parseUuid } from "./uuid.js";

const MAX_LOAD = 0.75;

/**
 * The keys seen so far, for dedupe, in 16 bytes per distinct key: a UUID is stored as its
 * 128 bits, any other key as a 128-bit hash of its normal form (a false "duplicate" would
 * need a 128-bit collision). An open-addressing table in one typed array; sized up front
 * from the row count the plan found, so it does not grow during the upload.
 */
export class SeenSet {
  private table: Uint32Array;
  private capacity: number;
  private count = 0;
  /** All-zero words mark an empty slot, so the all-zero value is kept aside. */
  private hasZero = false;
  private readonly words = new Uint32Array(4);

  constructor(expectedKeys: number) {
    this.capacity = Math.max(16, Math.ceil(expectedKeys / MAX_LOAD));
    this.table = new Uint32Array(this.capacity * 4);
  }

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Adds a key by its normal form; false when it was already there. */
  add(normalKey: string): boolean {
    const words = this.words;
    if (parseUuid(normalKey, words)) return this.addWords(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0);
    const [a, b, c, d] = murmur3x86_128(normalKey);
    return this.addWords(a, b, c, d);
  }

  private addWords(a: number, b: number, c: number, d: number): boolean {
    if ((a | b | c | d) === 0) {
      const added = !this.hasZero;
      this.hasZero = true;
      return added;
    }
    if (this.count + 1 > this.capacity * MAX_LOAD) this.grow();
    const table = this.table;
    const capacity = this.capacity;
    // Patterned UUIDs (sequential test ids) would cluster: mix all four words into the slot.
    let slot = Math.floor((fmix32(a ^ fmix32(b ^ fmix32(c ^ fmix32(d)))) / 0x1_0000_0000) * capacity);
    for (;;) {
      const at = slot * 4;
      const w0 = table[at] ?? 0;
      const w1 = table[at + 1] ?? 0;
      const w2 = table[at + 2] ?? 0;
      const w3 = table[at + 3] ?? 0;
      if ((w0 | w1 | w2 | w3) === 0) {
        table[at] = a;
        table[at + 1] = b;
        table[at + 2] = c;
        table[at + 3] = d;
        this.count++;
        return true;
      }
      if (w0 === a && w1 === b && w2 === c && w3 === d) return false;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  private grow(): void {
    const old = this.table;
    this.capacity *= 2;
    this.table = new Uint32Array(this.capacity * 4);
    this.count = 0;
    for (let at = 0; at < old.length; at += 4) {
      const a = old[at] ?? 0;
      const b = old[at + 1] ?? 0;
      const c = old[at + 2] ?? 0;
      const d = old[at + 3] ?? 0;
      if ((a | b | c | d) !== 0) this.addWords(a, b, c, d);
    }
  }
}
