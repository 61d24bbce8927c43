import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { CsvReadOptions } from "./csv.js";
import type { CsvWorkerData, FromCsvWorker } from "./csv-worker.js";

/** Record messages held before the main thread stops feeding the worker: bounds memory when checking is the slower side. */
const MAX_WAITING = 4;

/**
 * The worker's built file: beside the bundle in dist/. Under the test runner this module is
 * TypeScript source, which a worker thread cannot load, so there it is the file
 * `npm run build` made from the same source.
 */
const WORKER_FILE = import.meta.url.endsWith(".ts") ? new URL("../../dist/csv-worker.js", import.meta.url) : new URL("./csv-worker.js", import.meta.url);

/**
 * csvGroups on another thread: the same records and the same refusals, with csv-parse's
 * work off the main thread, which meanwhile checks, dedupes and spools the rows before.
 * On 1,000,000 UUID rows the check pass took 2.0-2.4 s this way against 2.8-3.4 s in one
 * thread (same machine, alternating runs). Starting the thread costs about 70 ms, so it is
 * for large files only. The main thread reads the input and hands the bytes over as the
 * worker asks for them, and only while few parsed groups wait.
 */
export async function* csvGroupsInWorker(name: string, chunks: AsyncIterable<Buffer>, options: CsvReadOptions): AsyncGenerator<string[][]> {
  const worker = new Worker(WORKER_FILE, { workerData: { name, options } satisfies CsvWorkerData });
  // A reader that stops reading (the header has no key column) leaves this generator
  // suspended: the thread, idle then, must not keep the process alive.
  worker.unref();
  const input = chunks[Symbol.asyncIterator]();
  const waiting: Extract<FromCsvWorker, { kind: "records" }>[] = [];
  let asked = 0;
  let inputEnded = false;
  let done = false;
  let failure: unknown;
  let wake = (): void => {};
  worker.on("message", (message: FromCsvWorker) => {
    if (message.kind === "pull") asked++;
    else if (message.kind === "records") waiting.push(message);
    else if (message.kind === "done") done = true;
    else failure ??= new InputError(message.message, message.code, message.line);
    wake();
  });
  worker.on("error", (error) => {
    failure ??= error;
    wake();
  });
  worker.on("exit", () => {
    failure ??= done ? undefined : new Error(`${name}: the CSV reading thread stopped before the end of the input`);
    wake();
  });
  try {
    for (;;) {
      while (asked > 0 && !inputEnded && failure === undefined && waiting.length < MAX_WAITING) {
        asked--;
        const next = await input.next();
        inputEnded = next.done === true;
        if (next.done === true) worker.postMessage(null);
        else {
          const bytes = new Uint8Array(next.value); // a copy: a read stream's buffers share memory
          worker.postMessage(bytes, [bytes.buffer]);
        }
      }
      const message = waiting.shift();
      if (message !== undefined) yield unpack(message);
      else if (failure !== undefined) throw failure;
      else if (done) return;
      else {
        worker.ref(); // waiting on the thread alone: it must keep the process alive
        await new Promise<void>((resolve) => (wake = resolve));
        worker.unref();
      }
    }
  } finally {
    await worker.terminate();
  }
}

function unpack({ count, width, fields }: Extract<FromCsvWorker, { kind: "records" }>): string[][] {
  const parts = width === 0 ? [] : fields.split("\u0000");
  const group = new Array<string[]>(count);
  for (let i = 0; i < count; i++) group[i] = parts.slice(i * width, (i + 1) * width);
  return group;
}
