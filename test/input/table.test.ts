import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openInputSource } from "../../src/input/source.js";
import { detectDelimiter, type InputRecord, openTable, sniffFormat, type TableOptions } from "../../src/input/table.js";
import { tempDir } from "../helpers/files.js";

const OPTIONS: TableOptions = { header: "auto", maxRecordChars: 1 << 20 };

async function read(name: string, content: string | Buffer, options: Partial<TableOptions> = {}) {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  const source = await openInputSource(path);
  const table = await openTable(source, { ...OPTIONS, ...options });
  const records: InputRecord[] = [];
  for await (const group of table.records) records.push(...group);
  return { table, records };
}

async function failure(name: string, content: string | Buffer, options: Partial<TableOptions> = {}): Promise<InputError> {
  try {
    await read(name, content, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("openTable", () => {
  it("reads CSV with a BOM and CRLF, numbering rows after the header", async () => {
    const { table, records } = await read("a.csv", "\uFEFFcontact_id,email\r\n1,a@x\r\n2,b@x\r\n");
    expect(table.columns).toEqual(["contact_id", "email"]);
    expect(records).toEqual([
      { row: 1, value: ["1", "a@x"] },
      { row: 2, value: ["2", "b@x"] },
    ]);
  });

  it("detects the delimiter from the header line", async () => {
    expect(detectDelimiter("a;b;c\n1,2;3")).toBe(";");
    expect(detectDelimiter("a|b\n")).toBe("|");
    expect(detectDelimiter("a\tb\n")).toBe("\t");
    expect(detectDelimiter('"x,y";z\n')).toBe(";");
    expect(detectDelimiter("contact_id\n")).toBe(",");
    const { table } = await read("semi.csv", "id;name\n1;a\n");
    expect(table.delimiter).toBe(";");
  });

  it("reads TSV by its extension", async () => {
    const { records } = await read("a.tsv", "id\tname\n1\tx, y\n");
    expect(records[0]?.value).toEqual(["1", "x, y"]);
  });

  it("reads gzip by its magic bytes, whatever the name", async () => {
    const { records } = await read("a.csv.gz", gzipSync("id\n1\n2\n"));
    expect(records.map((r) => r.value)).toEqual([["1"], ["2"]]);
  });

  it("refuses gzip data that is cut short", async () => {
    const zipped = gzipSync("id\n1\n2\n".repeat(1000));
    const error = await failure("cut.csv.gz", zipped.subarray(0, zipped.length - 20));
    expect(error.code).toBe("bad_gzip");
    expect(error.message).toMatch(/cut\.csv\.gz is not valid gzip data/);
  });

  it("reads a JSON array of strings or objects, numbering rows by index", async () => {
    const { records } = await read("a.json", '[\n  "x",\n  {"id": "y"}\n]\n');
    expect(records).toEqual([
      { row: 1, value: "x" },
      { row: 2, value: { id: "y" } },
    ]);
  });

  it("reads NDJSON, skipping blank lines, also from a .json file of one object per line", async () => {
    for (const name of ["a.ndjson", "a.jsonl", "a.json"]) {
      const { table, records } = await read(name, '{"id":1}\n\n{"id":2}');
      expect(table.format).toBe("ndjson");
      expect(records).toEqual([
        { row: 1, value: { id: 1 } },
        { row: 2, value: { id: 2 } },
      ]);
    }
  });

  it("reads a JSON array that holds one object as one row", async () => {
    for (const content of ['[{"id":"a"}]', '[\n  {\n    "id": "a"\n  }\n]\n'])
      expect((await read("one.json", content)).records).toEqual([{ row: 1, value: { id: "a" } }]);
  });

  it("sniffs the format of an unknown extension", () => {
    expect(sniffFormat("  [1]")).toBe("json");
    expect(sniffFormat('{"a":1}')).toBe("ndjson");
    expect(sniffFormat("id\n1")).toBe("csv");
  });

  it("reads an empty file, or a header alone, as no rows", async () => {
    expect((await read("empty.csv", "")).records).toEqual([]);
    expect((await read("header.csv", "id\n")).records).toEqual([]);
    expect((await read("empty.json", "")).records).toEqual([]);
    expect((await read("empty.ndjson", "\n\n")).records).toEqual([]);
  });

  it("treats a one-column file whose first cell looks like data as having no header", async () => {
    const { table, records } = await read("bare.csv", "k1\nk2\n", { looksLikeData: (cell) => cell.startsWith("k") });
    expect(table.hasHeader).toBe(false);
    expect(table.columns).toEqual(["1"]);
    expect(records.map((r) => r.value)).toEqual([["k1"], ["k2"]]);
  });

  it("reads an addlist report as input: its original columns follow the report's own", async () => {
    const { table } = await read("old.report.csv", "row,key,status,code,message,attempts,http_status,contact_id\n1,a,failed,,,1,500,a\n");
    expect(table.columns).toEqual(["contact_id"]);
    expect(table.columnOffset).toBe(7);
  });

  it("unwraps the input of NDJSON report records", async () => {
    const { records } = await read("old.report.ndjson", '{"row":1,"key":"a","status":"failed","input":{"id":"a"}}\n');
    expect(records[0]?.value).toEqual({ id: "a" });
  });

  it.each([
    ["ragged.csv", "a,b\n1,2\n3\n", 3, "ragged_record"],
    ["quote.csv", 'a\n1\n"open\n', 3, "unclosed_quote"],
    ["quote-early.csv", 'a\n"open\n2\n\n3\n', 2, "unclosed_quote"],
    ["quote-after-blank.csv", 'a\n1\n\n"open\n2\n', 4, "unclosed_quote"],
    ["broken.ndjson", '{"a":1}\n{"a":\n{"a":3}\n', 2, "bad_json"],
    ["truncated.ndjson", '{"a":1}\n{"a":2', 2, "bad_json"],
    ["array.json", '[\n"a",\n"b"\n', 4, "bad_json"],
    ["trailing.json", '["a",\n]', 2, "bad_json"],
    ["after.json", '["a"]\nx', 2, "bad_json"],
    ["object.json", '{"rows": [\n1]}', 1, "not_an_array"],
    ["deep.json", `[${"[".repeat(100)}${"]".repeat(100)}]`, 1, "too_deep"],
  ])("refuses malformed %s naming line %i", async (name, content, line, code) => {
    const error = await failure(name, content);
    expect(error.code).toBe(code);
    expect(error.line).toBe(line);
    expect(error.message).toContain(`line ${line}`);
  });

  it("refuses invalid UTF-8 and NUL bytes, naming the line", async () => {
    const invalid = await failure("latin1.csv", Buffer.concat([Buffer.from("id\nok\n"), Buffer.from([0x63, 0xe9, 0x0a])]));
    expect([invalid.code, invalid.line]).toEqual(["invalid_utf8", 3]);
    const nul = await failure("nul.csv", Buffer.from("id\na\nb\0\n"));
    expect([nul.code, nul.line]).toEqual(["nul_byte", 3]);
  });

  it("names the line of a bad byte whatever the line ends and wherever the 64 KiB reads cut the file", async () => {
    const id = "6f1c2d3e-0000-4000-8000-000000000001";
    // A line end as the last byte of the first read, the bad byte first in the second.
    const rows = Buffer.from(`contact_id\n${`${id}\n`.repeat(2000)}`).subarray(0, 65536);
    const lineEndsIn = (bytes: Buffer) => bytes.toString("latin1").split("\n").length - 1;
    const cut = Buffer.concat([rows.subarray(0, rows.lastIndexOf(10) + 1), Buffer.alloc(65536 - rows.lastIndexOf(10) - 1, "x")]);
    cut[65535] = 10;
    const atCut = (bad: number) => Buffer.concat([cut, Buffer.from([bad]), Buffer.from(`\n${id}\n`)]);
    expect((await failure("a.csv", atCut(0))).line).toBe(lineEndsIn(cut) + 1);
    expect((await failure("a.csv", atCut(0xff))).line).toBe(lineEndsIn(cut) + 1);
    // A "\r\n" cut by the read: one line end.
    const crlf = Buffer.from(cut);
    crlf[65535] = 13;
    expect((await failure("a.csv", Buffer.concat([crlf, Buffer.from(`\n${id}\n\u0000\n`)]))).line).toBe(lineEndsIn(cut) + 2);
    // "\r" alone ends lines too.
    expect((await failure("a.csv", `contact_id\r${id}\r${id}\r${id}\u0000\r`)).line).toBe(4);
    // A character cut short at the end of a file with no line end after it.
    expect((await failure("a.csv", Buffer.concat([Buffer.from(`name,contact_id\nA,${id}\nZ,`), Buffer.from([0xe2, 0x82])]))).line).toBe(3);
  });

  it("refuses a directory and a missing file", async () => {
    await expect(openInputSource(tempDir())).rejects.toThrow(/is a directory/);
    await expect(openInputSource(join(tempDir(), "nope.csv"))).rejects.toThrow(/cannot read .*nope\.csv: no such file/);
  });
});
