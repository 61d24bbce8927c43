import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openInputSource } from "../../src/input/source.js";
import { type InputRecord, openTable } from "../../src/input/table.js";
import { tempDir } from "../helpers/files.js";

/** What reading a file gives: its columns and records, or the refusal. */
async function outcome(path: string, parseInWorker: boolean) {
  try {
    const table = await openTable(await openInputSource(path), { header: "auto", maxRecordChars: 1 << 20, parseInWorker });
    const records: InputRecord[] = [];
    for await (const group of table.records) records.push(...group);
    return { columns: table.columns, records };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { refused: { message: error.message, code: error.code, line: error.line } };
  }
}

function write(content: string | Uint8Array): string {
  const path = join(tempDir(), "in.csv");
  writeFileSync(path, content);
  return path;
}

describe("CSV parsed on a worker thread", () => {
  it("gives the records and refusals of the main thread, on any small input", async () => {
    const cell = fc.oneof(fc.constantFrom("", '"', '""', ",", "\n", "\r\n", "\r", "a", "é", "\u0000", " "), fc.string({ maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.array(cell, { maxLength: 40 }), async (cells) => {
        const path = write(cells.join(""));
        expect(await outcome(path, true)).toEqual(await outcome(path, false));
      }),
      { numRuns: 40 },
    );
  });

  it("reads a file of many chunks whole, in order, with the lines of a refusal counted across them", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},"name ${i}",x${i % 7}`);
    const good = write(`id,name,tag\n${rows.join("\n")}\n`);
    const inWorker = await outcome(good, true);
    expect(inWorker).toEqual(await outcome(good, false));
    expect(inWorker.records?.length).toBe(60_000);
    expect(inWorker.records?.at(-1)).toEqual({ row: 60_000, value: ["59999", "name 59999", "x2"] });

    rows[45_000] = "45000,too,many,fields";
    const ragged = write(`id,name,tag\n${rows.join("\n")}\n`);
    const refused = await outcome(ragged, true);
    expect(refused).toEqual(await outcome(ragged, false));
    expect(refused.refused).toEqual({ message: expect.stringContaining("line 45002:"), code: "ragged_record", line: 45_002 });
  });

  it("passes invalid UTF-8 and an unclosed quote through with their lines", async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i}`);
    const bad = Buffer.concat([Buffer.from(`id\n${lines.join("\n")}\n`), Buffer.from([0xff, 0x0a])]);
    expect((await outcome(write(bad), true)).refused).toEqual({ message: expect.stringContaining("line 30002:"), code: "invalid_utf8", line: 30_002 });
    const open = write(`id\n${lines.slice(0, 100).join("\n")}\n"unclosed\n${lines.join("\n")}\n`);
    expect(await outcome(open, true)).toEqual(await outcome(open, false));
    expect((await outcome(open, true)).refused?.code).toBe("unclosed_quote");
  });
});
