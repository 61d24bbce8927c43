import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, neutralise } from "../../src/report/csv-line.js";

describe("csvLine", () => {
  it("quotes only what needs quoting", () => {
    expect(csvLine(["a", "b c", 'say "hi"', "x,y", "line\nbreak", ""])).toBe('a,b c,"say ""hi""","x,y","line\nbreak",\n');
  });

  it("neutralises cells a spreadsheet would run as a formula", () => {
    for (const cell of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) expect(neutralise(cell)).toBe(`'${cell}`);
    expect(neutralise("a=1")).toBe("a=1");
    expect(neutralise(neutralise("=1"))).toBe("'=1");
    expect(csvLine(['=HYPERLINK("x")'])).toBe(`"'=HYPERLINK(""x"")"\n`);
  });

  it("round-trips any cells through an independent parser (after neutralisation)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 10 }), (rows) => {
        const text = rows.map((row) => csvLine(row)).join("");
        expect(parse(text, { relax_column_count: false })).toEqual(rows.map((row) => row.map(neutralise)));
      }),
      { numRuns: 300 },
    );
  });
});
