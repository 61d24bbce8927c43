import { open, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { describeError, UsageError } from "../errors.js";
import { Lock } from "../state/lock.js";
import { exists, type ReportFiles } from "./report-files.js";
import { readRunRecord } from "./run-record.js";

/**
 * Before the input is even read: checks that the report can be written, takes its lock (a
 * second run on the same report is refused at once), and makes sure no earlier run's report
 * would be lost by accident.
 */
export async function claimReport(files: ReportFiles, options: ClaimOptions): Promise<Lock> {
  const directory = dirname(resolve(files.report));
  const where = await stat(directory).catch(() => undefined);
  if (where === undefined || !where.isDirectory()) {
    throw new UsageError(`cannot write the report ${files.report}: the directory ${directory} does not exist`, "report_unwritable");
  }
  await probeWritable(files, directory);
  const lock = await Lock.acquire(files.lock, `the report ${files.report}`);
  try {
    await checkNothingLost(files, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}

interface ClaimOptions {
  resume: boolean;
  force: boolean;
  /** With `--state`, the report is one run's: the state holds what earlier runs confirmed. */
  state: string | undefined;
}

async function checkNothingLost(files: ReportFiles, options: ClaimOptions): Promise<void> {
  const existing = await stat(files.report).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    // Renaming the finished report into place would replace it (a device, /dev/null…).
    throw new UsageError(
      `the report path ${files.report} is not a regular file (to discard the report: --report - and redirect standard output)`,
      "report_unwritable",
    );
  }
  if (options.resume || options.force || options.state !== undefined) return;
  if (existing !== undefined && (await readRunRecord(files.runRecord))?.dryRun !== true) {
    throw new UsageError(`the report ${files.report} already exists: use --resume to continue that run, or --force to overwrite it`, "report_exists");
  }
  for (const leftover of [files.part, files.carried]) {
    if (await exists(leftover))
      throw new UsageError(`an unfinished run left ${leftover}: use --resume to continue it, or --force to start over`, "report_exists");
  }
}

/** Files an unfinished run left, removed when a run starts afresh (`--force`, or a new report). */
export async function clearLeftovers(files: ReportFiles): Promise<void> {
  await Promise.all([files.part, files.ahead, files.carried].map((path) => rm(path, { force: true })));
}

/**
 * Creates and removes a file beside the report: permission bits do not tell (root ignores
 * them; a read-only file system or /proc does not).
 */
async function probeWritable(files: ReportFiles, directory: string): Promise<void> {
  const probe = `${files.part}.new`;
  try {
    await (await open(probe, "w", 0o600)).close();
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EROFS"
          ? "the file system is read-only"
          : code === "ENOENT" || code === "ENOTDIR"
            ? "files cannot be created there"
            : describeError(error);
    throw new UsageError(`cannot write the report ${files.report} in ${directory}: ${why}`, "report_unwritable", { cause: error });
  }
}
