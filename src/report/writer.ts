import { type FileHandle, open, rename } from "node:fs/promises";
import { AddlistError, describeError, ExitCode, UsageError } from "../errors.js";
import type { ReportEncoder } from "./format.js";
import type { RowResult } from "./row-result.js";

/** Output queued beyond this (characters) makes the reader wait (slow disk, or a slow pipe on stdout). */
const HIGH_WATER = 4 * 1024 * 1024;
/** Records are written in pieces of this many characters, or this long after they settle, whichever comes first. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 100;

/** Where the report goes while the run is under way (`<report>.part`) and at the end. */
export function journalPath(reportPath: string): string {
  return `${reportPath}.part`;
}

interface Sink {
  write(text: string): Promise<void>;
  /** Makes everything written durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes report records as rows settle: within 100 ms, in writes of up to 64 KiB (small
 * writes cost several times more per byte). A file report is written to `<report>.part`
 * (the journal `--resume` reads after a crash) and renamed into place when the run ends,
 * so the report itself is never half-written. Records carried over from an earlier run
 * are written and made durable before the journal replaces the old one.
 */
export class ReportWriter {
  /** Output not yet handed to the sink. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Pending characters plus those being written. */
  private queuedChars = 0;
  private writing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private readonly drainWaiters: (() => void)[] = [];

  private constructor(
    private readonly sink: Sink,
    private readonly encoder: ReportEncoder,
    private readonly label: string,
    private readonly finalPath: string | undefined,
  ) {}

  static toStdout(encoder: ReportEncoder): ReportWriter {
    const writer = new ReportWriter(stdoutSink(), encoder, "on standard output", undefined);
    writer.enqueue(encoder.header());
    return writer;
  }

  static async toFile(path: string, encoder: ReportEncoder, carried?: AsyncIterable<string>): Promise<ReportWriter> {
    const journal = journalPath(path);
    const fresh = `${journal}.new`;
    let handle: FileHandle;
    try {
      handle = await open(fresh, "w", 0o600);
    } catch (error) {
      throw new UsageError(`cannot write the report ${path}: ${describeError(error)}`, "report_unwritable", { cause: error });
    }
    const writer = new ReportWriter(fileSink(handle), encoder, path, path);
    writer.enqueue(encoder.header());
    if (carried !== undefined) {
      for await (const line of carried) {
        writer.enqueue(line);
        await writer.drained();
      }
    }
    await writer.flushed();
    try {
      await handle.sync();
      await rename(fresh, journal);
    } catch (error) {
      throw writeFailure(path, error);
    }
    return writer;
  }

  write(results: readonly RowResult[]): void {
    if (results.length === 0) return;
    // One join of whole lines allocates less than growing a string record by record.
    const lines = new Array<string>(results.length + 1);
    for (let i = 0; i < results.length; i++) lines[i] = this.encoder.encode(results[i] as RowResult);
    lines[results.length] = "";
    this.enqueue(lines.join("\n"));
  }

  /** Resolves once queued output is below the high-water mark; throws if writing failed. */
  async drained(): Promise<void> {
    this.throwIfFailed();
    if (this.queuedChars < HIGH_WATER) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.throwIfFailed();
  }

  /** Flushes, makes the report durable and puts it in place. */
  async finish(): Promise<void> {
    await this.flushed();
    try {
      await this.sink.sync();
      await this.sink.close();
      if (this.finalPath !== undefined) await rename(journalPath(this.finalPath), this.finalPath);
    } catch (error) {
      throw writeFailure(this.label, error);
    }
  }

  /** Flushes but leaves the journal where it is, for `--resume` (after a forced exit). */
  async abandon(): Promise<void> {
    await this.flushed().catch(() => {});
    await this.sink.close().catch(() => {});
  }

  private async flushed(): Promise<void> {
    while (this.pending.length > 0 || this.writing !== undefined) {
      this.startWriting();
      await this.writing;
      if (this.failure !== undefined) break;
    }
    this.throwIfFailed();
  }

  /**
   * Queues text for the sink; it is encoded only when written, in native memory freed as
   * soon as the write is done (encoding here would churn Buffers, and V8 counts their
   * memory towards its next collection). What waits is bounded by the flush size, or by
   * the high-water mark behind a slow write.
   */
  private enqueue(text: string): void {
    if (text.length === 0 || this.failure !== undefined) return;
    this.pending.push(text);
    this.pendingChars += text.length;
    this.queuedChars += text.length;
    if (this.writing !== undefined) return; // the running write takes it next
    if (this.pendingChars >= FLUSH_BYTES) this.startWriting();
    else this.flushTimer ??= setTimeout(() => this.startWriting(), FLUSH_MS);
  }

  private startWriting(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length > 0) this.writing ??= this.pump();
  }

  private async pump(): Promise<void> {
    do {
      const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join("");
      this.pending = [];
      this.pendingChars = 0;
      try {
        await this.sink.write(text);
      } catch (error) {
        this.failure = error;
      }
      this.queuedChars -= text.length;
      if (this.queuedChars < HIGH_WATER || this.failure !== undefined) {
        for (const wake of this.drainWaiters.splice(0)) wake();
      }
    } while (this.pendingChars >= FLUSH_BYTES && this.failure === undefined);
    this.writing = undefined;
    if (this.pending.length > 0 && this.failure === undefined) this.flushTimer ??= setTimeout(() => this.startWriting(), FLUSH_MS);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw writeFailure(this.label, this.failure);
  }
}

function fileSink(handle: FileHandle): Sink {
  return {
    write: async (text) => {
      await handle.write(text);
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

function stdoutSink(): Sink {
  const stdout = process.stdout;
  // A reader that goes away (`| head`) makes stdout emit EPIPE: record it, do not crash.
  let broken: Error | undefined;
  stdout.on("error", (error) => {
    broken ??= error;
  });
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        if (broken !== undefined) return reject(broken);
        stdout.write(text, (error) => (error ? reject(error) : resolve()));
      }),
    sync: async () => {},
    close: async () => {},
  };
}

function writeFailure(label: string, error: unknown): AddlistError {
  return new AddlistError(`cannot write the report ${label}: ${describeError(error)}`, "report_write_failed", ExitCode.stopped, { cause: error });
}
