import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openInputSource } from "../../src/input/source.js";
import { type InputRecord, openTable } from "../../src/input/table.js";
import { REPORT_COLUMNS } from "../../src/report/columns.js";
import { neutralise } from "../../src/report/csv-line.js";
import { reportEncoder } from "../../src/report/format.js";
import { csvLayout, csvTailKeeper, jsonLayout, jsonTailKeeper } from "../../src/report/layout.js";
import type { RowResult } from "../../src/report/row-result.js";
import { csvRowAccess, jsonRowAccess } from "../../src/rows/columns.js";
import { isEmail, isLinkedInProfile, normaliseEmail, normaliseLinkedIn } from "../../src/rows/normalise.js";
import { tempDir } from "../helpers/files.js";

const RUNS = { numRuns: 150 };

async function readAll(name: string, content: string | Uint8Array) {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  const table = await openTable(await openInputSource(path), { header: "yes", maxRecordChars: 1 << 20 });
  const records: InputRecord[] = [];
  for await (const group of table.records) records.push(...group);
  return { table, records };
}

/** Reads, or refuses with an InputError; anything else (a crash) fails the property. */
async function readOrRefuse(name: string, content: string | Uint8Array): Promise<void> {
  try {
    await readAll(name, content);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.message).not.toMatch(/\n/);
  }
}

function result(record: InputRecord, key: string, tail: string): RowResult {
  return { row: record.row, key, status: "added", attempts: 1, httpStatus: 200, tail };
}

describe("readers on any input", () => {
  it.each(["x.csv", "x.tsv", "x.json", "x.ndjson", "x.txt"])("%s: any bytes are read or refused cleanly", async (name) => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), (bytes) => readOrRefuse(name, bytes)),
      RUNS,
    );
  });

  it.each(["x.csv", "x.json", "x.ndjson"])("%s: any text is read or refused cleanly", async (name) => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[[\]{}",:\n\r a-z0-9\\]{0,120}$/));
    await fc.assert(
      fc.asyncProperty(text, (content) => readOrRefuse(name, content)),
      RUNS,
    );
  });
});

describe("round trip through the report", () => {
  it("CSV: every cell read comes back in the report, neutralised", async () => {
    const cell = fc.string({ maxLength: 12 });
    const table = fc
      .integer({ min: 1, max: 4 })
      .chain((width) =>
        fc.tuple(
          fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: width, maxLength: width }),
          fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(table, async ([header, rows]) => {
        const quoted = (cells: string[]): string => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(",");
        const { table: read, records } = await readAll("t.csv", `${quoted(header)}\n${rows.map(quoted).join("\n")}\n`);
        expect(records.map((r) => r.value)).toEqual(rows);
        const encoder = reportEncoder("csv", csvLayout(read));
        const keep = csvTailKeeper("csv", read, csvRowAccess("t.csv", read, { column: undefined, candidates: [], keyName: "key", required: false }));
        const text = encoder.header() + records.map((r) => encoder.encode(result(r, (r.value as string[])[0] ?? "", keep(r)))).join("");
        // Positions, not names: an input column may be called "key" or "status" too.
        const [head, ...parsed] = parse(text) as string[][];
        expect(head).toEqual([...REPORT_COLUMNS, ...header]);
        expect(parsed.map((p) => p.slice(REPORT_COLUMNS.length))).toEqual(rows.map((row) => row.map(neutralise)));
        expect(parsed.map((p) => p[1])).toEqual(rows.map((row) => neutralise(row[0] ?? "")));
      }),
      RUNS,
    );
  });

  it("NDJSON: every object read comes back whole in the report's input", async () => {
    const object = fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(fc.array(object, { minLength: 1, maxLength: 8 }), async (objects) => {
        const { records } = await readAll("t.ndjson", objects.map((o) => JSON.stringify(o)).join("\n"));
        const access = jsonRowAccess("t.ndjson", undefined, { column: undefined, candidates: ["id"], keyName: "id" });
        const encoder = reportEncoder("ndjson", jsonLayout("ndjson", [], access));
        const keep = jsonTailKeeper();
        const lines = records.map((r) => JSON.parse(encoder.encode(result(r, "k", keep(r)))) as { input: unknown; row: number });
        expect(lines.map((l) => l.input)).toEqual(objects);
        expect(lines.map((l) => l.row)).toEqual(objects.map((_, i) => i + 1));
      }),
      RUNS,
    );
  });
});

describe("key normalisers on any text", () => {
  it("never throw, and normal forms are fixed points", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(typeof isEmail(text)).toBe("boolean");
        expect(typeof isLinkedInProfile(text)).toBe("boolean");
        expect(normaliseEmail(normaliseEmail(text))).toBe(normaliseEmail(text));
        if (isLinkedInProfile(text)) {
          const normal = normaliseLinkedIn(text);
          expect(isLinkedInProfile(normal)).toBe(true);
          expect(normaliseLinkedIn(normal)).toBe(normal);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("give one identity to a LinkedIn profile however it is written", () => {
    const slug = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
    const scheme = fc.constantFrom("", "http://", "https://");
    const host = fc.constantFrom("linkedin.com", "www.linkedin.com", "uk.linkedin.com", "LinkedIn.com");
    const tail = fc.constantFrom("", "/", "?trk=abc", "/#x");
    fc.assert(
      fc.property(slug, scheme, host, tail, (s, a, h, t) => {
        expect(normaliseLinkedIn(`${a}${h}/in/${s}${t}`)).toBe(`linkedin.com/in/${s.toLowerCase()}`);
      }),
    );
  });
});
