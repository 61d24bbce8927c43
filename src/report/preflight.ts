import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "../errors.js";
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
  try {
    await access(directory, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write the report ${path}: ${directory} is not writable`, "report_unwritable");
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory() === true) throw new UsageError(`the report path ${path} is a directory`, "report_unwritable");
  if (options.resume || options.force) return;
  if (existing !== undefined) {
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
