import type { FileHandle } from "node:fs/promises";

/** Where text goes: a file (made durable at the end), or standard output. */
export interface Target {
  write(text: string): Promise<void>;
  /** Makes everything written durable. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function fileTarget(handle: FileHandle): Target {
  return {
    write: async (text) => {
      await handle.write(text);
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

export function stdoutTarget(stdout: NodeJS.WritableStream): Target {
  // A reader that goes away (`| head`) makes stdout emit EPIPE: record it, do not crash.
  let broken: Error | undefined;
  stdout.on("error", (error: Error) => {
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

/**
 * Text written as soon as it comes: when no write is under way it starts one at once, and
 * what arrives meanwhile is joined into the next write. So records reach the operating
 * system as their batch settles (a `kill -9` loses at most what is being written), while a
 * busy run still writes in large pieces.
 */
export class Sink {
  private queue: string[] = [];
  private queuedChars = 0;
  private writing: Promise<void> | undefined;
  private failure: unknown;
  /** Texts handed in, and texts written, counted: `flushed()` waits for the first to be reached by the second. */
  private handedIn = 0;
  private written = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(private readonly target: Target) {}

  /** Characters handed in and not yet written. */
  get backlog(): number {
    return this.queuedChars;
  }

  write(text: string): void {
    if (text.length === 0 || this.failure !== undefined) return;
    this.queue.push(text);
    this.queuedChars += text.length;
    this.handedIn++;
    this.writing ??= this.pump();
  }

  /** Resolves once everything handed in so far is written; throws if writing failed. */
  async flushed(): Promise<void> {
    const upTo = this.handedIn;
    if (this.written < upTo && this.failure === undefined) await new Promise<void>((resolve) => this.waiters.push({ upTo, resolve }));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Flushes, makes it durable and closes. */
  async finish(): Promise<void> {
    await this.flushed();
    await this.target.sync();
    await this.target.close();
  }

  /** Flushes what it can and closes; never throws (the run is being abandoned). */
  async abandon(): Promise<void> {
    await this.flushed().catch(() => {});
    await this.target.close().catch(() => {});
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined) {
      const texts = this.queue;
      const upTo = this.handedIn;
      this.queue = [];
      const text = texts.length === 1 ? (texts[0] as string) : texts.join("");
      try {
        await this.target.write(text);
      } catch (error) {
        this.failure = error;
      }
      this.queuedChars -= text.length;
      this.written = upTo;
      this.wake();
    }
    this.writing = undefined;
    this.wake();
  }

  private wake(): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.upTo <= this.written || this.failure !== undefined) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}
