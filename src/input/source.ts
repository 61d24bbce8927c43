import { closeSync, constants, createReadStream, openSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { describeError, InputError } from "../errors.js";

/**
 * The input's bytes, read once: the check pass reads the whole input and keeps what the
 * upload needs, so a file that changes afterwards, or standard input, is no concern. gzip
 * data is recognised by its magic bytes and decompressed.
 */
export interface InputSource {
  /** How messages name the input: its path, or "stdin". */
  readonly name: string;
  /** The path the user gave, for the default report name; undefined for stdin. */
  readonly path: string | undefined;
  bytes(): AsyncIterable<Buffer>;
  dispose(): Promise<void>;
}

const CHUNK = 64 * 1024;

export async function openInputSource(path: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<InputSource> {
  if (path === undefined || path === "-") return streamSource("stdin", undefined, stdin);
  const found = await stat(path).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  if (found.isDirectory()) throw new InputError(`${path} is a directory, not an input file`, "input_unreadable");
  // A FIFO or `<(process substitution)` is read as a stream, like standard input.
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  const source = streamSource(path, path, stream);
  if (!found.isFIFO()) return source;
  let opened = false;
  stream.once("open", () => (opened = true));
  return {
    ...source,
    dispose: async () => {
      await source.dispose();
      // Opening a FIFO waits for a writer, in a thread the process cannot exit without: be that writer.
      if (opened) return;
      try {
        closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // A writer came meanwhile, or the FIFO is gone: nothing waits any more.
      }
    },
  };
}

/**
 * About how many rows a file holds, from its size and the length of its first lines: the
 * dedupe set is sized once instead of growing (which holds two tables at once). 0 when
 * unknown (standard input, gzip).
 */
export async function estimateRows(path: string | undefined): Promise<number> {
  if (path === undefined || path === "-") return 0;
  try {
    // Reading a FIFO here would take its rows away.
    if (!(await stat(path)).isFile()) return 0;
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(CHUNK), position: 0 });
      const head = buffer.subarray(0, bytesRead);
      if (head[0] === 0x1f && head[1] === 0x8b) return 0;
      let lines = 0;
      for (let at = head.indexOf(10); at !== -1; at = head.indexOf(10, at + 1)) lines++;
      return lines === 0 ? 0 : Math.ceil((size / bytesRead) * lines * 1.02);
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

function streamSource(name: string, path: string | undefined, stream: NodeJS.ReadableStream): InputSource {
  return {
    name,
    path,
    bytes: () => decompressed(name, readStream(name, stream)),
    dispose: async () => {
      // A read still waiting (a silent stdin after an interrupt) would keep the process alive.
      (stream as { destroy?: () => void }).destroy?.();
    },
  };
}

async function* readStream(name: string, stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
  } catch (error) {
    throw unreadable(name, error);
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
    code === "ENOENT"
      ? "no such file"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a directory"
          : describeError(error);
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
