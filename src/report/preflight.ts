import { open, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { describeError, UsageError } from "../errors.js";
import { readRunRecord } from "./run-record.js";
import { journalPath } from "./writer.js";

/**
 * Checks, before the input is even read, that the report can be written and that no
 * earlier run's report would be lost by accident.
 */
export async function checkReportPath(path: string, options: { resume: boolean; force: boolean }): Promise<void> {
  if (path === "-") return;
  const directory = dirname(resolve(path));
  const where = await stat(directory).catch(() => undefined);
  if (where === undefined || !where.isDirectory()) {
    throw new UsageError(`cannot write the report ${path}: the directory ${directory} does not exist`, "report_unwritable");
  }
  await probeWritable(path, directory);
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    // Renaming the finished report into place would replace it (a device, /dev/null…).
    throw new UsageError(`the report path ${path} is not a regular file (to discard the report: --report - and redirect standard output)`, "report_unwritable");
  }
  if (options.resume || options.force) return;
  if (existing !== undefined && (await readRunRecord(path))?.dryRun !== true) {
    throw new UsageError(`the report ${path} already exists: use --resume to continue that run, or --force to overwrite it`, "report_exists");
  }
  if (await exists(journalPath(path))) {
    throw new UsageError(
      `an unfinished run left ${journalPath(path)}: use --resume to continue it, or --force to start over`,
      "report_exists",
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Creates and removes the file the report will first be written to: permission bits do
 * not tell (root ignores them; a read-only file system or /proc does not).
 */
async function probeWritable(path: string, directory: string): Promise<void> {
  const probe = `${journalPath(path)}.new`;
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
    throw new UsageError(`cannot write the report ${path} in ${directory}: ${why}`, "report_unwritable", { cause: error });
  }
}
