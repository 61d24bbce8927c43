import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvSyntaxError, CsvTokenizer } from "../../src/input/csv-tokenizer.js";

interface CsvRecord {
  line: number;
  fields: string[];
}

function tokenize(text: string | string[], delimiter = ",", maxRecordChars = 1 << 20): CsvRecord[] {
  const tokenizer = new CsvTokenizer({ delimiter, maxRecordChars });
  const out: CsvRecord[] = [];
  const emit = (line: number, fields: string[]): number => out.push({ line, fields });
  for (const chunk of typeof text === "string" ? [text] : text) tokenizer.push(chunk, emit);
  tokenizer.end(emit);
  return out;
}

function fields(text: string | string[], delimiter = ","): string[][] {
  return tokenize(text, delimiter).map((record) => record.fields);
}

function syntaxError(text: string): CsvSyntaxError {
  try {
    tokenize(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) return error;
    throw error;
  }
  throw new Error("expected a CsvSyntaxError");
}

describe("CsvTokenizer", () => {
  it("reads plain records with their starting lines", () => {
    expect(tokenize("id,name\n1,a\n2,b\n")).toEqual([
      { line: 1, fields: ["id", "name"] },
      { line: 2, fields: ["1", "a"] },
      { line: 3, fields: ["2", "b"] },
    ]);
  });

  it("accepts LF, CRLF and lone CR line ends, mixed in one file", () => {
    expect(fields("a,b\r\n1,2\r3,4\n5,6")).toEqual([["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]]);
  });

  it("reads quoted fields with delimiters, escaped quotes and line breaks, and counts lines", () => {
    const records = tokenize('id,note\n1,"a, ""quoted""\nsecond line"\n2,x\n');
    expect(records.map((r) => r.fields)).toEqual([["id", "note"], ["1", 'a, "quoted"\nsecond line'], ["2", "x"]]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it("skips empty lines but keeps their line numbers counted", () => {
    expect(tokenize("a\n\n\nb\r\n\r\nc").map((r) => [r.line, r.fields[0]])).toEqual([
      [1, "a"],
      [4, "b"],
      [6, "c"],
    ]);
  });

  it("keeps a quote inside an unquoted field as a literal", () => {
    expect(fields('a,b\n5" screen,x\n')).toEqual([["a", "b"], ['5" screen', "x"]]);
  });

  it("uses the delimiter it is given", () => {
    expect(fields("a;b\n1;2\n", ";")).toEqual([["a", "b"], ["1", "2"]]);
    expect(fields("a\tb\n1\t2\n", "\t")).toEqual([["a", "b"], ["1", "2"]]);
  });

  it("gives the same records however the text is cut into chunks", () => {
    const text = 'id,note\r\n1,"a ""b""\r\nc"\r\n2,plain\r3,"x"\n';
    const whole = fields(text);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(fields([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it("refuses a ragged record, naming its line", () => {
    const error = syntaxError("a,b\n1,2\n3\n");
    expect(error.code).toBe("ragged_record");
    expect(error.line).toBe(3);
    expect(error.message).toBe("line 3: expected 2 fields as in the first line, found 1");
  });

  it("refuses an unclosed quote at the end of the file, naming the line it opens on", () => {
    const error = syntaxError('a,b\n1,2\n3,"open\nmore\n');
    expect(error.code).toBe("unclosed_quote");
    expect(error.line).toBe(3);
  });

  it("refuses text after a closing quote", () => {
    expect(syntaxError('a\n"x"y\n').code).toBe("bad_quote");
  });

  it("refuses a record longer than the limit without holding the rest of the file", () => {
    const tokenizer = new CsvTokenizer({ delimiter: ",", maxRecordChars: 100 });
    const emit = (): void => {};
    tokenizer.push("id\n", emit);
    expect(() => tokenizer.push(`"${"x".repeat(200)}`, emit)).toThrow(/line 2: a record is longer than 100 characters/);
  });

  it("agrees with csv-parse on any well-formed CSV", () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom("", ",", '"', "\n", "\r\n", " a ", "é☃"));
    const table = fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }));
    fc.assert(
      fc.property(table, fc.integer({ min: 0, max: 50 }), (rows, cutAt) => {
        const text = rows.map((row) => row.map((c) => `"${c.replaceAll('"', '""')}"`).join(",")).join("\n");
        const expected = parse(text, { relax_column_count: false }) as string[][];
        const cut = Math.min(cutAt, text.length);
        expect(fields([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("CsvTokenizer countOnly", () => {
  it("checks and counts records without their fields, keeping the header's", () => {
    const tokenizer = new CsvTokenizer({ delimiter: ",", maxRecordChars: 1 << 20, countOnly: true });
    const out: CsvRecord[] = [];
    const emit = (line: number, fields: string[]): number => out.push({ line, fields });
    tokenizer.push('id,name\n1,a\n2,"quoted, field"\n', emit);
    tokenizer.end(emit);
    expect(out).toEqual([
      { line: 1, fields: ["id", "name"] },
      { line: 2, fields: [] },
      { line: 3, fields: [] },
    ]);
    const ragged = new CsvTokenizer({ delimiter: ",", maxRecordChars: 1 << 20, countOnly: true });
    expect(() => ragged.push("a,b\n1,2,3\n", emit)).toThrow("line 2: expected 2 fields as in the first line, found 3");
  });
});

describe("CsvTokenizer countOnly agrees with full tokenizing", () => {
  it("counts the same records and catches the same ragged rows", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom("a", "", "b c"), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 20 }), (rows) => {
        const text = rows.map((row) => row.join(",")).join("\n");
        const run = (countOnly: boolean): string => {
          const tokenizer = new CsvTokenizer({ delimiter: ",", maxRecordChars: 1 << 20, countOnly });
          let lines = "";
          try {
            tokenizer.push(text, (line) => (lines += `${line},`));
            tokenizer.end((line) => (lines += `${line},`));
          } catch (error) {
            return `${lines}${(error as Error).message}`;
          }
          return lines;
        };
        expect(run(true)).toBe(run(false));
      }),
    );
  });
});
