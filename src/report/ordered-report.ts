import { open, rename, rm } from "node:fs/promises";
import { AddlistError, describeError, ExitCode, UsageError } from "../errors.js";
import type { ReportEncoder } from "./format.js";
import type { ReportFiles } from "./report-files.js";
import type { RowResult } from "./row-result.js";
import { fileTarget, Sink, stdoutTarget } from "./sink.js";

/** Output waiting to be written beyond this (characters) makes the reader wait (slow disk, slow pipe). */
const HIGH_WATER = 4 * 1024 * 1024;

/**
 * The report, written in input row order as rows settle. A record whose earlier rows are
 * still unsettled waits in memory, and is written at once to `<report>.part.ahead` too, so
 * that a crash loses only the rows in flight; it joins `<report>.part` when its turn comes.
 * At most `maxHeld` records wait: past that, `room()` holds the reader back until the row
 * everyone waits for settles. When the run ends, `.part` becomes the report.
 */
export class OrderedReport {
  private nextRow = 1;
  private readonly held = new Map<number, string>();
  private roomWaiters: (() => void)[] = [];

  private constructor(
    private readonly encoder: ReportEncoder,
    private readonly part: Sink,
    private readonly ahead: Sink | undefined,
    private readonly files: ReportFiles | undefined,
    private readonly maxHeld: number,
  ) {}

  /** A report file: `.part` and `.part.ahead` start afresh (an earlier run's are gathered by now). */
  static async toFile(files: ReportFiles, encoder: ReportEncoder, maxHeld: number): Promise<OrderedReport> {
    const part = await open(files.part, "w", 0o600).catch((error: unknown) => Promise.reject(unwritable(files, error)));
    const ahead = await open(files.ahead, "w", 0o600).catch(async (error: unknown) => {
      await part.close();
      await rm(files.part, { force: true });
      throw unwritable(files, error);
    });
    const report = new OrderedReport(encoder, new Sink(fileTarget(part)), new Sink(fileTarget(ahead)), files, maxHeld);
    report.part.write(encoder.header());
    report.ahead?.write(encoder.header());
    return report;
  }

  static toStdout(encoder: ReportEncoder, stdout: NodeJS.WritableStream, maxHeld: number): OrderedReport {
    const report = new OrderedReport(encoder, new Sink(stdoutTarget(stdout)), undefined, undefined, maxHeld);
    report.part.write(encoder.header());
    return report;
  }

  /** Rows with a record in `.part` so far. */
  get rowsWritten(): number {
    return this.nextRow - 1;
  }

  write(results: readonly RowResult[]): void {
    const inOrder: string[] = [];
    const early: string[] = [];
    for (const result of results) this.place(result.row, this.encoder.encode(result), inOrder, early);
    this.flush(inOrder, early);
  }

  /** A record carried over from an earlier run, as it was written there. */
  writeCarried(row: number, line: string): void {
    const inOrder: string[] = [];
    const early: string[] = [];
    this.place(row, line, inOrder, early);
    this.flush(inOrder, early);
  }

  /** Puts a line where it goes: in order (with every held line that follows it), or held and ahead. */
  private place(row: number, line: string, inOrder: string[], early: string[]): void {
    if (row !== this.nextRow) {
      this.held.set(row, line);
      early.push(line);
      return;
    }
    inOrder.push(line);
    this.nextRow++;
    for (let next = this.held.get(this.nextRow); next !== undefined; next = this.held.get(this.nextRow)) {
      this.held.delete(this.nextRow);
      inOrder.push(next);
      this.nextRow++;
    }
  }

  /** Hands the lines to the files, one string per file. */
  private flush(inOrder: string[], early: string[]): void {
    if (early.length > 0) this.ahead?.write(early.join(""));
    if (inOrder.length === 0) return;
    this.part.write(inOrder.join(""));
    this.wakeRoomWaiters();
  }

  hasRoom(): boolean {
    return this.held.size < this.maxHeld && this.part.backlog + (this.ahead?.backlog ?? 0) < HIGH_WATER;
  }

  /** Resolves once there is room again (see the class comment); throws if writing failed. */
  async room(): Promise<void> {
    if (this.part.backlog + (this.ahead?.backlog ?? 0) >= HIGH_WATER) await this.flushed();
    if (this.held.size >= this.maxHeld) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once every record handed in so far has reached the operating system. */
  async flushed(): Promise<void> {
    try {
      await Promise.all([this.part.flushed(), this.ahead?.flushed()]);
    } catch (error) {
      throw this.writeFailure(error);
    }
  }

  /** Makes the report durable and puts it in place. */
  async finish(): Promise<void> {
    if (this.held.size > 0) throw new Error(`${this.held.size} report records are still waiting for row ${this.nextRow}`);
    try {
      await Promise.all([this.part.finish(), this.ahead?.finish()]);
      if (this.files === undefined) return;
      // `.part` alone is complete and in order: a crash before the rename leaves a report to resume from.
      await Promise.all([rm(this.files.ahead, { force: true }), rm(this.files.carried, { force: true })]);
      await rename(this.files.part, this.files.report);
    } catch (error) {
      throw this.writeFailure(error);
    }
  }

  /** Writes what it can and leaves the files in place, for `--resume` (after a forced exit). */
  async abandon(): Promise<void> {
    await Promise.all([this.part.abandon(), this.ahead?.abandon()]);
  }

  private wakeRoomWaiters(): void {
    if (this.held.size >= this.maxHeld) return;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private writeFailure(error: unknown): AddlistError {
    const label = this.files?.report ?? "on standard output";
    return new AddlistError(`cannot write the report ${label}: ${describeError(error)}`, "report_write_failed", ExitCode.stopped, { cause: error });
  }
}

function unwritable(files: ReportFiles, error: unknown): UsageError {
  return new UsageError(`cannot write the report ${files.report}: ${describeError(error)}`, "report_unwritable", { cause: error });
}
