// The thread that parses a large CSV input (see csv-in-worker.ts): it asks the main thread
// for the input's bytes, runs them through csvGroups, and posts the records back packed.
import { on } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors.js";
import { type CsvReadOptions, csvGroups } from "./csv.js";

export interface CsvWorkerData {
  name: string;
  options: CsvReadOptions;
}

/**
 * What the thread posts: a request for the next chunk of input (answered with the bytes as
 * a Uint8Array, or null at the end); `count` records of `width` fields, all joined by NUL,
 * which no field holds (csvGroups refuses NUL bytes); the end; or the InputError that ended it.
 */
export type FromCsvWorker =
  | { kind: "pull" }
  | { kind: "records"; count: number; width: number; fields: string }
  | { kind: "done" }
  | { kind: "failed"; message: string; code: string; line: number | undefined };

/** Chunks asked for ahead, so that parsing does not wait on a round trip to the main thread. */
const CHUNKS_AHEAD = 2;

const port = parentPort;
if (port === null) throw new Error("csv-worker runs as a worker thread");
const post = (message: FromCsvWorker): void => port.postMessage(message);
const { name, options } = workerData as CsvWorkerData;

async function* chunksFromMain(): AsyncGenerator<Buffer> {
  const messages = on(port as unknown as NodeJS.EventEmitter, "message");
  for (let i = 0; i < CHUNKS_AHEAD; i++) post({ kind: "pull" });
  for await (const [chunk] of messages as AsyncIterable<[Uint8Array | null]>) {
    if (chunk === null) return;
    post({ kind: "pull" });
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** A group as messages, one per run of records of the same width (csv-parse makes them all one). */
function* packed(group: string[][]): Generator<FromCsvWorker> {
  let start = 0;
  while (start < group.length) {
    const width = (group[start] as string[]).length;
    let end = start + 1;
    while (end < group.length && (group[end] as string[]).length === width) end++;
    const fields: string[] = [];
    for (let i = start; i < end; i++) for (const field of group[i] as string[]) fields.push(field);
    yield { kind: "records", count: end - start, width, fields: fields.join("\u0000") };
    start = end;
  }
}

try {
  for await (const group of csvGroups(name, chunksFromMain(), options)) for (const message of packed(group)) post(message);
  post({ kind: "done" });
} catch (error) {
  // Anything else is a bug: thrown, it reaches the main thread as the worker's "error" event.
  if (!(error instanceof InputError)) throw error;
  post({ kind: "failed", message: error.message, code: error.code, line: error.line });
}
