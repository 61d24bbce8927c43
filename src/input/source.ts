import { createReadStream } from "node:fs";
import type { Stats } from "node:fs";
import { type FileHandle, mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError, describeError } from "../errors.js";

/**
 * The input's bytes, readable more than once: the plan reads the whole input before
 * anything is sent, and the upload reads it again. A regular file is simply reopened; a
 * stream (stdin, a FIFO, `<(process substitution)`) is copied to a private temporary file
 * during the first read. gzip data is recognised by its magic bytes and decompressed.
 */
export interface InputSource {
  /** How messages name the input: its path, or "stdin". */
  readonly name: string;
  /** The path the user gave, for the default report name; undefined for stdin. */
  readonly path: string | undefined;
  bytes(): AsyncIterable<Buffer>;
  /** Whether the input is still what was opened (a file may be rewritten between reads). */
  unchanged(): Promise<boolean>;
  dispose(): Promise<void>;
}

const CHUNK = 64 * 1024;

export async function openInputSource(path: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<InputSource> {
  if (path === undefined || path === "-") return new SpooledSource("stdin", undefined, () => stdin);
  let opened: Stats;
  try {
    opened = await stat(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (opened.isDirectory()) throw new InputError(`${path} is a directory, not an input file`, "input_unreadable");
  if (!opened.isFile()) return new SpooledSource(path, path, () => createReadStream(path, { highWaterMark: CHUNK }));
  return {
    name: path,
    path,
    bytes: () => decompressed(path, readFile(path)),
    unchanged: async () => {
      const now = await stat(path).catch(() => undefined);
      return now !== undefined && now.size === opened.size && now.mtimeMs === opened.mtimeMs && now.ino === opened.ino;
    },
    dispose: async () => {},
  };
}

async function* readFile(path: string): AsyncGenerator<Buffer> {
  try {
    yield* createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>;
  } catch (error) {
    throw unreadable(path, error);
  }
}

class SpooledSource implements InputSource {
  private spoolDir: string | undefined;
  private spooled = false;
  private stream: NodeJS.ReadableStream | undefined;

  constructor(
    readonly name: string,
    readonly path: string | undefined,
    private readonly openStream: () => NodeJS.ReadableStream,
  ) {}

  bytes(): AsyncIterable<Buffer> {
    if (this.spooled && this.spoolDir !== undefined) return decompressed(this.name, readFile(join(this.spoolDir, "input")));
    return decompressed(this.name, this.copyToSpool());
  }

  private async *copyToSpool(): AsyncGenerator<Buffer> {
    let spool: FileHandle;
    try {
      this.spoolDir = await mkdtemp(join(tmpdir(), "addlist-"));
      spool = await open(join(this.spoolDir, "input"), "wx", 0o600);
    } catch (error) {
      throw this.spoolFailure(error);
    }
    try {
      this.stream = this.openStream();
      for await (const chunk of this.stream as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        try {
          await spool.write(bytes);
        } catch (error) {
          throw this.spoolFailure(error);
        }
        yield bytes;
      }
    } catch (error) {
      throw unreadable(this.name, error);
    } finally {
      await spool.close();
    }
    this.spooled = true;
  }

  private spoolFailure(error: unknown): InputError {
    return new InputError(
      `cannot keep a copy of ${this.name} to read it twice, in ${tmpdir()} (set TMPDIR to use another place): ${describeError(error)}`,
      "spool_failed",
      undefined,
      { cause: error },
    );
  }

  /** The private copy cannot change. */
  async unchanged(): Promise<boolean> {
    return true;
  }

  async dispose(): Promise<void> {
    // A read still waiting (a silent stdin after an interrupt) would keep the process alive.
    (this.stream as { destroy?: () => void } | undefined)?.destroy?.();
    if (this.spoolDir !== undefined) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

/** Passes bytes through, gunzipping them when they start with the gzip magic number. */
async function* decompressed(name: string, raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = raw[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done === true) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return;
  const rest = (async function* () {
    yield head;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  })();
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest;
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const compressed = Readable.from(rest);
  compressed.on("error", (error) => gunzip.destroy(error));
  compressed.pipe(gunzip);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${name} is not valid gzip data (${describeError(error)})`, "bad_gzip", undefined, { cause: error });
  }
}

function unreadable(name: string, error: unknown): InputError {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT" ? "no such file" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EISDIR" ? "it is a directory" : describeError(error);
  return new InputError(`cannot read ${name}: ${reason}`, "input_unreadable", undefined, { cause: error });
}

/** `contacts.csv.gz` → `contacts`: the default report is named after the input. */
export function inputStem(path: string | undefined): string | undefined {
  if (path === undefined || path === "-") return undefined;
  let name = basename(path);
  if (name.endsWith(".gz")) name = name.slice(0, -3);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}
