import { access } from "node:fs/promises";

/**
 * The files of one report. While a run is under way it writes `<report>.part`, in row
 * order, and `<report>.part.ahead`, the records that settled before an earlier row did;
 * a resumed run first gathers what earlier runs settled into `<report>.part.carried`.
 * When the run ends, `.part` is renamed to the report and the others are removed, so a
 * report that exists is always complete. `.addlist.json` names the run's driver and
 * target; `.lock` is held by the run under way; `.part.spool` holds what the check pass
 * kept of the input.
 */
export interface ReportFiles {
  readonly report: string;
  readonly part: string;
  readonly ahead: string;
  readonly carried: string;
  readonly runRecord: string;
  readonly lock: string;
  /** What the check pass kept of the input, for the upload (see Spool). */
  readonly spool: string;
}

export function reportFiles(report: string): ReportFiles {
  return {
    report,
    part: `${report}.part`,
    ahead: `${report}.part.ahead`,
    carried: `${report}.part.carried`,
    runRecord: `${report}.addlist.json`,
    lock: `${report}.lock`,
    spool: `${report}.part.spool`,
  };
}

/** What an earlier run left of a report: a finished report, or the files of a run that did not finish. */
export type EarlierRun = { finished: true; report: string } | { finished: false; carried?: string; part?: string; ahead?: string };

/** The files an earlier run's records are read from. */
export function sourcesOf(earlier: EarlierRun): string[] {
  return earlier.finished ? [earlier.report] : [earlier.carried, earlier.part, earlier.ahead].filter((path) => path !== undefined);
}

export async function findEarlierRun(files: ReportFiles): Promise<EarlierRun | undefined> {
  const [carried, part, ahead, report] = await Promise.all([files.carried, files.part, files.ahead, files.report].map(exists));
  // The files of an unfinished run are newer than a finished report (of an earlier run) beside them.
  if (carried || part) {
    return { finished: false, ...(carried ? { carried: files.carried } : {}), ...(part ? { part: files.part } : {}), ...(ahead ? { ahead: files.ahead } : {}) };
  }
  return report ? { finished: true, report: files.report } : undefined;
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
