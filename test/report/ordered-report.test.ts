import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reportEncoder } from "../../src/report/format.js";
import { OrderedReport } from "../../src/report/ordered-report.js";
import { reportFiles } from "../../src/report/report-files.js";
import type { RowResult } from "../../src/report/row-result.js";
import { Sink, type Target } from "../../src/report/sink.js";
import { tempDir } from "../helpers/files.js";

const encoder = reportEncoder("csv", { columns: ["id"], tail: (kept) => kept });
const result = (row: number): RowResult => ({ row, key: `k${row}`, status: "added", attempts: 1, httpStatus: 200, tail: `k${row}` });
const rowsOf = (text: string): string[] =>
  text
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(",")[0] ?? "");

describe("OrderedReport", () => {
  it("writes records in row order, keeping those that come early in .part.ahead until their turn", async () => {
    const files = reportFiles(join(tempDir(), "r.csv"));
    const report = await OrderedReport.toFile(files, encoder, 100);
    report.write([result(3), result(4)]);
    report.write([result(1)]);
    await report.flushed();
    expect(rowsOf(readFileSync(files.part, "utf8"))).toEqual(["1"]);
    expect(rowsOf(readFileSync(files.ahead, "utf8"))).toEqual(["3", "4"]);
    report.write([result(2)]);
    await report.finish();
    expect(rowsOf(readFileSync(files.report, "utf8"))).toEqual(["1", "2", "3", "4"]);
    expect(readFileSync(files.report, "utf8").split("\n")[0]).toBe("row,key,status,code,message,attempts,http_status,id");
  });

  it("has no room once too many records wait, and makes room when the awaited row comes", async () => {
    const report = await OrderedReport.toFile(reportFiles(join(tempDir(), "r.csv")), encoder, 2);
    report.write([result(2), result(3)]);
    expect(report.hasRoom()).toBe(false);
    let roomy = false;
    const waiting = report.room().then(() => (roomy = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(roomy).toBe(false);
    report.write([result(1)]);
    await waiting;
    expect(report.rowsWritten).toBe(3);
  });

  it("removes .part.ahead and .part.carried before the report takes .part's place, so a crash between leaves no stale records", async () => {
    const dir = tempDir();
    const files = reportFiles(join(dir, "r.csv"));
    const report = await OrderedReport.toFile(files, encoder, 10);
    writeFileSync(files.carried, "stale");
    mkdirSync(join(files.report, "in-the-way"), { recursive: true }); // the rename will fail
    report.write([result(1)]);
    await expect(report.finish()).rejects.toThrow(/cannot write the report/);
    expect(existsSync(files.carried) || existsSync(files.ahead)).toBe(false);
    expect(rowsOf(readFileSync(files.part, "utf8"))).toEqual(["1"]);
  });

  it("refuses to finish while a record still waits for an earlier row", async () => {
    const report = await OrderedReport.toFile(reportFiles(join(tempDir(), "r.csv")), encoder, 10);
    report.write([result(2)]);
    await expect(report.finish()).rejects.toThrow(/still waiting for row 1/);
  });
});

describe("Sink", () => {
  it("writes at once when idle and joins what arrives meanwhile into the next write", async () => {
    const writes: string[] = [];
    let release: () => void = () => {};
    const target: Target = {
      write: (text) => {
        writes.push(text);
        return new Promise((resolve) => (release = resolve));
      },
      sync: async () => {},
      close: async () => {},
    };
    const sink = new Sink(target);
    sink.write("a");
    sink.write("b");
    sink.write("c");
    expect(writes).toEqual(["a"]);
    const flushed = sink.flushed();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["a", "bc"]);
    release();
    await flushed;
    expect(sink.backlog).toBe(0);
  });

  it("reports a failed write to whoever waits for it", async () => {
    const sink = new Sink({ write: async () => Promise.reject(new Error("disk full")), sync: async () => {}, close: async () => {} });
    sink.write("x");
    await expect(sink.flushed()).rejects.toThrow("disk full");
  });
});
