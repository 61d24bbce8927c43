import { readFile, writeFile } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { parseJson } from "../json.js";
import { damaged } from "./report-records.js";

/**
 * Which command a report belongs to, kept beside it in `<report>.addlist.json`: the report
 * itself has no room for it, and `--resume` must not continue a report written for another
 * driver or target (rows settled there are not settled here).
 */
export interface RunRecord {
  driver: string;
  target: string;
  /** A dry run's report lists plans, not outcomes: a real run may replace it. */
  dryRun: boolean;
}

/** `path`: the run record's own path (see `reportFiles`). */
export async function writeRunRecord(path: string, record: RunRecord): Promise<void> {
  await writeFile(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

export async function readRunRecord(path: string): Promise<Partial<RunRecord> | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const record = parseJson(text);
  // A damaged record (not an object) names no run.
  return typeof record === "object" && record !== null ? (record as Partial<RunRecord>) : {};
}

/** Refuses a report recorded for another command; a report without a record is not checked. */
export async function checkRunRecord(reportPath: string, path: string, expected: Pick<RunRecord, "driver" | "target">): Promise<void> {
  const saved = await readRunRecord(path);
  if (saved === undefined || (saved.driver === expected.driver && saved.target === expected.target)) return;
  if (typeof saved.driver !== "string" || typeof saved.target !== "string") {
    throw damaged(reportPath, `its run record ${path} is damaged`);
  }
  const was = `addlist ${String(saved?.driver)} ${String(saved?.target)}`;
  throw new UsageError(
    `the report ${reportPath} belongs to \`${was}\`, not \`addlist ${expected.driver} ${expected.target}\`: resume with the same driver and target, or use --force to start over`,
    "report_mismatch",
  );
}
