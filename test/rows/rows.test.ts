import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { Table } from "../../src/input/table.js";
import { csvRowAccess, jsonRowAccess } from "../../src/rows/columns.js";
import { isEmail, isLinkedInProfile, normaliseEmail, normaliseLinkedIn } from "../../src/rows/normalise.js";
import { SeenSet } from "../../src/rows/seen-set.js";
import { isUuid, parseUuid } from "../../src/rows/uuid.js";

describe("uuid", () => {
  it("accepts the 8-4-4-4-12 hex form in any case and version", () => {
    expect(isUuid("123e4567-e89b-12d3-a456-426614174000")).toBe(true);
    expect(isUuid("ABCDEF00-0000-0000-0000-000000000000")).toBe(true);
    for (const bad of [
      "",
      "not-a-real-uuid",
      "123e4567e89b12d3a456426614174000",
      "123e4567-e89b-12d3-a456-42661417400g",
      " 123e4567-e89b-12d3-a456-426614174000",
    ]) {
      expect(isUuid(bad)).toBe(false);
    }
  });

  it("agrees with the regular expression, whatever character is put anywhere in a UUID", () => {
    const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
    // Near misses: a character changed to one with the same low bits (İ is U+0130), a dash moved, a digit beyond f.
    const chars = fc.oneof(
      fc.constantFrom("0", "9", "a", "f", "A", "F", "g", "G", "-", "/", ":", "@", "`", "İ", "ｆ", "\u0000", " "),
      fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
    );
    fc.assert(
      fc.property(fc.uuid(), fc.nat(35), chars, (uuid, at, char) => {
        const text = uuid.slice(0, at) + char + uuid.slice(at + 1);
        expect(isUuid(text)).toBe(uuidPattern.test(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives the same answer and words when asked again for the same text (as the dedupe set does after the check)", () => {
    const words = new Uint32Array(4);
    const id = "fedcba98-7654-3210-0123-456789abcdef";
    expect(isUuid(id)).toBe(true);
    expect(parseUuid(id, words)).toBe(true);
    expect([...words].map((word) => word.toString(16))).toEqual(["fedcba98", "76543210", "1234567", "89abcdef"]);
    expect(isUuid("fedcba98-7654-3210-0123-456789abcdeg")).toBe(false);
    expect(parseUuid("fedcba98-7654-3210-0123-456789abcdeg", words)).toBe(false);
    expect(parseUuid(id.toUpperCase(), words)).toBe(true);
    expect(words[3]).toBe(0x89abcdef);
  });

  it("reads the 128 bits as four words", () => {
    const words = new Uint32Array(4);
    expect(parseUuid("01234567-89ab-cdef-0123-456789ABCDEF", words)).toBe(true);
    expect([...words].map((word) => word.toString(16).padStart(8, "0"))).toEqual(["01234567", "89abcdef", "01234567", "89abcdef"]);
  });
});

describe("SeenSet", () => {
  it("remembers keys, and UUIDs whatever their case", () => {
    const seen = new SeenSet(10);
    expect(seen.add("123e4567-e89b-12d3-a456-426614174000")).toBe(true);
    expect(seen.add("123E4567-E89B-12D3-A456-426614174000")).toBe(false);
    expect(seen.add("a@example.com")).toBe(true);
    expect(seen.add("a@example.com")).toBe(false);
    expect(seen.add("00000000-0000-0000-0000-000000000000")).toBe(true);
    expect(seen.add("00000000-0000-0000-0000-000000000000")).toBe(false);
    expect(seen.size).toBe(3);
  });

  it("agrees with a Set on any sequence of keys, growing past its expected size", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.uuid()), { maxLength: 300 }), (keys) => {
        const seen = new SeenSet(4);
        const reference = new Set<string>();
        for (const key of keys) {
          const normal = key.toLowerCase();
          expect(seen.add(normal)).toBe(!reference.has(normal));
          reference.add(normal);
        }
        expect(seen.size).toBe(reference.size);
      }),
    );
  });
});

describe("normalisers", () => {
  it("compares emails case-insensitively, and refuses only what no provider could take", () => {
    expect(normaliseEmail("  Ann@Example.COM ")).toBe("ann@example.com");
    for (const email of ["ann@example.com", "user@bücher.de", "ü@example.com", "ann@intranet"]) expect(isEmail(email)).toBe(true);
    for (const email of ["not an email", "ann.example.com", "a@b@c.com", "ann@", "@example.com", `${"x".repeat(250)}@e.com`])
      expect(isEmail(email)).toBe(false);
  });

  it("gives one identity per LinkedIn profile however it is written", () => {
    const forms = [
      "https://www.linkedin.com/in/Ann-Smith/",
      "http://linkedin.com/in/ann-smith",
      "linkedin.com/in/ann-smith?trk=x",
      "https://uk.linkedin.com/in/ann%2Dsmith#top",
      "https://m.linkedin.com/in/ann-smith",
      "https://www.linkedin.com/in/ann-smith/en/",
    ];
    for (const form of forms) {
      expect(isLinkedInProfile(form)).toBe(true);
      expect(normaliseLinkedIn(form)).toBe("linkedin.com/in/ann-smith");
    }
    expect(normaliseLinkedIn("https://www.linkedin.com/pub/ann-smith/1a/2b/3c/")).toBe("linkedin.com/pub/ann-smith/1a/2b/3c");
    expect(normaliseLinkedIn("linkedin.com/pub/ann-smith/1a/2b/3d")).not.toBe(normaliseLinkedIn("linkedin.com/pub/ann-smith/1a/2b/3c"));
    expect(isLinkedInProfile("https://linkedin.com/company/acme")).toBe(false);
    expect(isLinkedInProfile("https://linkedin.com/in/")).toBe(false);
    expect(isLinkedInProfile("https://example.com/in/ann")).toBe(false);
  });
});

describe("key column", () => {
  const table = (columns: string[], columnOffset = 0): Table => ({
    format: "csv",
    delimiter: ",",
    columns,
    columnOffset,
    hasHeader: true,
    records: (async function* () {})(),
  });
  const request = { column: undefined, candidates: ["contact_id", "id", "uuid"], keyName: "contact_id" };

  it("prefers the candidates in order, matching case and spaces loosely", () => {
    expect(csvRowAccess("f", table(["email", "ID", "uuid"]), request).keyColumn).toBe("ID");
    expect(csvRowAccess("f", table(["Contact_ID ", "id"]), request).keyColumn).toBe("Contact_ID ");
  });

  it("uses the only column, or the one named by --column", () => {
    expect(csvRowAccess("f", table(["whatever"]), request).keyColumn).toBe("whatever");
    expect(csvRowAccess("f", table(["a", "b"]), { ...request, column: "b" }).key({ row: 1, value: ["1", "2"] })).toBe("2");
  });

  it("names the columns found when the key column is missing", () => {
    expect(() => csvRowAccess("people.csv", table(["email", "name"]), request)).toThrow(
      'people.csv has no key column: expected one of "contact_id", "id", "uuid" (or name it with --column); the columns found are: "email", "name"',
    );
    expect(() => csvRowAccess("f", table(["a", "b"]), { ...request, column: "c" })).toThrow(InputError);
  });

  it("refuses a key column that appears twice", () => {
    expect(() => csvRowAccess("f", table(["id", "id"]), request)).toThrow(/appears 2 times/);
  });

  it("reads JSON objects by field and bare values as keys", () => {
    const access = jsonRowAccess("f", { uuid: "a", other: 1 }, request);
    expect(access.keyColumn).toBe("uuid");
    expect(access.key({ row: 1, value: { uuid: "x" } })).toBe("x");
    expect(access.key({ row: 2, value: "bare" })).toBe("bare");
    expect(jsonRowAccess("f", undefined, request).keyColumn).toBe("contact_id");
  });
});
