import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { SETTLED_STATUSES } from "./row-result.js";
import type { ReportKind } from "./format.js";
import { type EarlierRun, type ReportFiles, sourcesOf } from "./report-files.js";
import { reportRecords, type StoredRecord } from "./report-records.js";
import type { ResumeState } from "./resume-state.js";

/** Rows placed in memory per pass when an earlier report is out of order. */
const ROWS_PER_PASS = 200_000;

/**
 * Gathers every record earlier runs settled into `<report>.part.carried`, in row order, so
 * that the resumed run can write them into its report among its own, and the files of an
 * unfinished run can make way for the new run's. The old files are removed only once the
 * gathered file is in place: a crash at any point leaves everything to gather again.
 */
export async function gatherCarried(earlier: EarlierRun, state: ResumeState, files: ReportFiles, kind: ReportKind, header: string): Promise<void> {
  const next = `${files.carried}.next`;
  const out = await open(next, "w", 0o600);
  try {
    await out.write(header);
    const sources = orderedSources(earlier, state, kind);
    if (sources !== undefined) await writeMerged(out, sources, kind);
    else await writeInPasses(out, sourcesOf(earlier), kind, state.rows);
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(next, files.carried);
  await Promise.all([rm(files.part, { force: true }), rm(files.ahead, { force: true })]);
}

/** One source of settled records in row order: a file, or the tail of `.ahead` held in memory. */
type Source = { path: string } | { records: StoredRecord[] };

/**
 * The sources as ordered streams: `.carried` and `.part` are written in row order; of
 * `.ahead`, only the records past the end of `.part` are new, few enough to sort in memory.
 * Undefined when a file is out of order (a report of an earlier version of addlist).
 */
function orderedSources(earlier: EarlierRun, state: ResumeState, kind: ReportKind): (Source | Promise<Source>)[] | undefined {
  const inOrder = (path: string | undefined): boolean => path === undefined || state.files.get(path)?.sorted !== false;
  if (earlier.finished) return inOrder(earlier.report) ? [{ path: earlier.report }] : undefined;
  if (!inOrder(earlier.carried) || !inOrder(earlier.part)) return undefined;
  const partEnd = earlier.part === undefined ? 0 : (state.files.get(earlier.part)?.lastRow ?? 0);
  const sources: (Source | Promise<Source>)[] = [];
  if (earlier.carried !== undefined) sources.push({ path: earlier.carried });
  if (earlier.part !== undefined) sources.push({ path: earlier.part });
  if (earlier.ahead !== undefined) sources.push(aheadTail(earlier.ahead, partEnd, kind));
  return sources;
}

async function aheadTail(path: string, after: number, kind: ReportKind): Promise<Source> {
  const records: StoredRecord[] = [];
  for await (const group of reportRecords(path, kind))
    for (const record of group) if (record.row > after && SETTLED_STATUSES.has(record.status)) records.push(record);
  return { records: records.sort((a, b) => a.row - b.row) };
}

/** Merges ordered sources, keeping the first settled record of each row. */
async function writeMerged(out: FileHandle, pending: (Source | Promise<Source>)[], kind: ReportKind): Promise<void> {
  const cursors = await Promise.all(pending.map(async (source) => cursor(await source, kind)));
  const heads = await Promise.all(cursors.map((each) => each.next()));
  let last = 0;
  let text = "";
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head?.done === false && (best < 0 || head.value.row < (heads[best] as IteratorYieldResult<StoredRecord>).value.row)) best = i;
    }
    if (best < 0) break;
    const record = (heads[best] as IteratorYieldResult<StoredRecord>).value;
    heads[best] = await (cursors[best] as AsyncIterator<StoredRecord>).next();
    if (record.row === last) continue;
    last = record.row;
    text += record.line;
    if (text.length >= 256 * 1024) {
      await out.write(text);
      text = "";
    }
  }
  await out.write(text);
}

async function* cursor(source: Source, kind: ReportKind): AsyncGenerator<StoredRecord> {
  if ("records" in source) return yield* source.records;
  for await (const group of reportRecords(source.path, kind)) for (const record of group) if (SETTLED_STATUSES.has(record.status)) yield record;
}

/** Out-of-order sources: each pass reads them all and places one range of rows in memory. */
async function writeInPasses(out: FileHandle, paths: string[], kind: ReportKind, rows: number): Promise<void> {
  for (let from = 1; from <= rows; from += ROWS_PER_PASS) {
    const slots = new Array<string | undefined>(Math.min(ROWS_PER_PASS, rows - from + 1));
    for (const path of paths) {
      for await (const group of reportRecords(path, kind)) {
        for (const record of group) {
          const at = record.row - from;
          if (at >= 0 && at < slots.length && slots[at] === undefined && SETTLED_STATUSES.has(record.status)) slots[at] = record.line;
        }
      }
    }
    await out.write(slots.filter((line) => line !== undefined).join(""));
  }
}

/** Reads `.part.carried` along the rows of the input: each carried row's record, in turn. */
export class CarriedRecords {
  private readonly records: AsyncGenerator<StoredRecord>;

  constructor(path: string, kind: ReportKind) {
    this.records = cursor({ path }, kind);
  }

  /** The record of `row`; rows are asked for in increasing order. */
  async take(row: number): Promise<StoredRecord> {
    for (let next = await this.records.next(); next.done !== true; next = await this.records.next()) {
      if (next.value.row === row) return next.value;
      if (next.value.row > row) break;
    }
    throw new Error(`the carried records have no record of row ${row}`);
  }
}
