import { describe, expect, it } from "vitest";
import { murmur3x86_128, TextHasher } from "../../src/rows/murmur3.js";

describe("MurmurHash3 x86 128", () => {
  it("passes SMHasher's verification test (0xB3ECE62A)", () => {
    // Keys of length 0..255 where key[i] = i, each hashed with seed 256 - length; the
    // little-endian digests are hashed again with seed 0, and the first word is compared.
    const key = new Uint8Array(256);
    const digests = new Uint8Array(16 * 256);
    const view = new DataView(digests.buffer);
    const out = new Uint32Array(4);
    for (let length = 0; length < 256; length++) {
      key[length] = length;
      murmur3x86_128(key, length, 256 - length, out);
      for (let w = 0; w < 4; w++) view.setUint32(length * 16 + w * 4, out[w] ?? 0, true);
    }
    murmur3x86_128(digests, digests.length, 0, out);
    expect(out[0]).toBe(0xb3ece62a);
  });

  it("hashes text by its UTF-8 bytes, whatever the text's length", () => {
    const hasher = new TextHasher();
    const text = `ü@example.com ${"x".repeat(1000)}`;
    const bytes = Buffer.from(text, "utf8");
    const expected = new Uint32Array(4);
    murmur3x86_128(bytes, bytes.length, 0, expected);
    expect([...hasher.hash(text)]).toEqual([...expected]);
    expect([...hasher.hash("a")]).not.toEqual([...hasher.hash("b")]);
  });
});
