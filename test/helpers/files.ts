import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach } from "vitest";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "addlist-test-"));
  made.push(dir);
  return dir;
}

/** A deterministic contact UUID that no sandbox rule treats specially. */
export function uuid(i: number): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");
  return `c0${hex(i, 6)}-0000-4000-8000-${hex(i, 12)}`;
}

export type ReportRecord = Record<string, string>;

/** Reads a CSV report with csv-parse, an independent parser. */
export function readCsvReport(path: string): ReportRecord[] {
  return parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true }) as ReportRecord[];
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
