import { TextHasher } from "../rows/murmur3.js";
import type { ReportKind } from "./format.js";
import { type EarlierRun, sourcesOf } from "./report-files.js";
import { reportRecords } from "./report-records.js";
import { SETTLED_STATUSES } from "./row-result.js";

/**
 * What an earlier run's report says, for `--resume`: which rows are settled (never sent
 * again), which may have been applied without our knowing, and, per row, a hash of its
 * key, so that a changed input is noticed before anything is sent. Read from the files of
 * an unfinished run if there are any, else from the finished report.
 */
export class ResumeState {
  private settledBits: Uint8Array = new Uint8Array(1024);
  private seenBits: Uint8Array = new Uint8Array(1024);
  private failedBits: Uint8Array = new Uint8Array(1024);
  private keyHashes = new Uint32Array(8192);
  /** The highest row number in the report. */
  rows = 0;
  /** Per file read: whether its rows came in order, and its last row. */
  readonly files = new Map<string, { sorted: boolean; lastRow: number }>();

  constructor(
    /** The file it was read from. */
    readonly source: string,
    /** True for a finished report, which has a record for every row of its input. */
    readonly complete: boolean,
  ) {}

  isSettled(row: number): boolean {
    return has(this.settledBits, row);
  }

  /**
   * Whether a request carrying the row may have been applied: its last record is `failed`
   * (outcome unknown), or it has no record in the journal of a run that crashed (it may
   * have been in flight, or settled but not yet written). Such a row found "already there"
   * on resume is `added_or_present`, not `already_present`.
   */
  mayHaveApplied(row: number): boolean {
    return has(this.failedBits, row) || (!this.complete && !has(this.seenBits, row));
  }

  /** Undefined when the report has no record for the row. */
  keyHash(row: number): number | undefined {
    return has(this.seenBits, row) ? this.keyHashes[row] : undefined;
  }

  add(row: number, key: string, status: string): void {
    this.ensure(row);
    set(this.seenBits, row);
    this.keyHashes[row] = reportKeyHash(key);
    if (SETTLED_STATUSES.has(status)) set(this.settledBits, row);
    if (status === "failed") set(this.failedBits, row);
    this.rows = Math.max(this.rows, row);
  }

  private ensure(row: number): void {
    if (row < this.keyHashes.length) return;
    let size = this.keyHashes.length;
    while (size <= row) size *= 2;
    const hashes = new Uint32Array(size);
    hashes.set(this.keyHashes);
    this.keyHashes = hashes;
    this.settledBits = grown(this.settledBits, size / 8 + 1);
    this.seenBits = grown(this.seenBits, size / 8 + 1);
    this.failedBits = grown(this.failedBits, size / 8 + 1);
  }
}

function has(bits: Uint8Array, row: number): boolean {
  return ((bits[row >> 3] ?? 0) & (1 << (row & 7))) !== 0;
}

function set(bits: Uint8Array, row: number): void {
  bits[row >> 3] = (bits[row >> 3] ?? 0) | (1 << (row & 7));
}

function grown(bits: Uint8Array, size: number): Uint8Array {
  const next = new Uint8Array(size);
  next.set(bits);
  return next;
}

const hasher = new TextHasher();

/** The key as the report stores it, hashed. */
export function reportKeyHash(storedKey: string): number {
  return hasher.hash(storedKey)[0] ?? 0;
}

/** Reads every record an earlier run left (see `findEarlierRun`). */
export async function loadResumeState(earlier: EarlierRun, kind: ReportKind): Promise<ResumeState> {
  const sources = sourcesOf(earlier);
  const state = new ResumeState(earlier.finished ? earlier.report : (earlier.part ?? earlier.carried ?? ""), earlier.finished);
  for (const path of sources) {
    const file = { sorted: true, lastRow: 0 };
    for await (const group of reportRecords(path, kind)) {
      for (const record of group) {
        state.add(record.row, record.key, record.status);
        if (record.row <= file.lastRow) file.sorted = false;
        file.lastRow = Math.max(file.lastRow, record.row);
      }
    }
    state.files.set(path, file);
  }
  return state;
}
