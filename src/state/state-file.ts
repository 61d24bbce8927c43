import { createReadStream } from "node:fs";
import { open, stat, truncate } from "node:fs/promises";
import { describeError, UsageError } from "../errors.js";
import { parseJson } from "../json.js";
import { Sink, fileTarget } from "../report/sink.js";
import { SeenSet } from "../rows/seen-set.js";

/** What a state file belongs to: identities confirmed in one target are not known in another. */
export interface StateBinding {
  driver: string;
  target: string;
  /** The provider's origin (`addlist-sandbox` for the embedded sandbox). */
  origin: string;
  /** What else decides a row's identity in the provider (Emarsys `key_id`, Amplemarket `type`). */
  key: string;
}

const HEADER_PREFIX = "# addlist state ";
/** Bytes per identity line (a UUID) assumed when sizing the set from the file's size. */
const BYTES_PER_LINE_GUESS = 36;

/**
 * A `--state` file: the identities that runs confirmed in one target, to skip on later runs.
 * Plain text a person can read and grep: a header line naming what it belongs to, then one
 * identity per line (JSON-quoted when it holds a line break or starts with `"` or `#`). It
 * only grows, by identities confirmed as batches settle; a last line cut short by a crash
 * is ignored and cut off before anything is appended.
 */
export class StateFile {
  private constructor(
    readonly path: string,
    /** Identities remembered, as loaded. */
    readonly known: SeenSet,
    private readonly binding: StateBinding | undefined,
    /** Where the complete lines end: anything after is a line cut short. */
    private readonly completeBytes: number,
  ) {}

  static async load(path: string): Promise<StateFile> {
    const size = await stat(path)
      .then(
        (found) => (found.isFile() ? found.size : Promise.reject(new Error("it is not a regular file"))),
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? -1 : Promise.reject(error)),
      )
      .catch((error: unknown) => {
        throw new UsageError(`cannot read the state file ${path}: ${describeError(error)}`, "state_unreadable");
      });
    if (size <= 0) return new StateFile(path, new SeenSet(0), undefined, 0); // new, or created by a run that wrote nothing
    const known = new SeenSet(size / BYTES_PER_LINE_GUESS);
    let binding: StateBinding | undefined;
    let complete = 0;
    let pending = "";
    for await (const text of createReadStream(path, { encoding: "utf8", highWaterMark: 256 * 1024 })) {
      const lines = (pending + (text as string)).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        complete += Buffer.byteLength(line) + 1;
        if (binding === undefined) binding = parseHeader(path, line);
        else if (line !== "") known.add(line.startsWith('"') ? String(parseJson(line) ?? line) : line);
      }
    }
    if (binding === undefined) throw damagedState(path, "it has no header line");
    return new StateFile(path, known, binding, complete);
  }

  /** Refuses a state file written for another target, driver, provider or key field. */
  checkBinding(wanted: StateBinding): void {
    const held = this.binding;
    if (held === undefined || sameBinding(held, wanted)) return;
    throw new UsageError(
      `the state file ${this.path} belongs to ${describeBinding(held)}, not to ${describeBinding(wanted)}: give this load its own --state file`,
      "state_mismatch",
    );
  }

  /**
   * Opens the file to record this run's confirmations: a new file (or a full refresh)
   * starts with the header; an existing one is appended to after its last complete line.
   */
  async openForRecording(binding: StateBinding, fresh: boolean): Promise<StateRecorder> {
    const restart = fresh || this.binding === undefined;
    try {
      if (!restart) await truncate(this.path, this.completeBytes);
      const handle = await open(this.path, restart ? "w" : "a", 0o600);
      // The header comes with the first identity: a run that confirms nothing (a wrong
      // target) leaves an empty file, bound to nothing.
      return new StateRecorder(new Sink(fileTarget(handle)), this.path, restart ? `${HEADER_PREFIX}${JSON.stringify(binding)}\n` : "");
    } catch (error) {
      throw unwritable(this.path, error);
    }
  }
}

/** Appends confirmed identities; they reach the operating system as their batch settles. */
export class StateRecorder {
  constructor(
    private readonly sink: Sink,
    private readonly path: string,
    /** The header still to write, before the first identity. */
    private header: string,
  ) {}

  record(identities: readonly string[]): void {
    if (identities.length === 0) return;
    let text = this.header;
    this.header = "";
    for (const identity of identities) text += `${/^["#]|[\r\n]/.test(identity) ? JSON.stringify(identity) : identity}\n`;
    this.sink.write(text);
  }

  flushed(): Promise<void> {
    return this.sink.flushed().catch((error: unknown) => {
      throw unwritable(this.path, error);
    });
  }

  finish(): Promise<void> {
    return this.sink.finish().catch((error: unknown) => {
      throw unwritable(this.path, error);
    });
  }

  abandon(): Promise<void> {
    return this.sink.abandon();
  }
}

function unwritable(path: string, error: unknown): UsageError {
  return new UsageError(`cannot write the state file ${path}: ${describeError(error)}`, "state_unwritable", { cause: error });
}

function parseHeader(path: string, line: string): StateBinding {
  const value = line.startsWith(HEADER_PREFIX) ? (parseJson(line.slice(HEADER_PREFIX.length)) as Partial<StateBinding> | undefined) : undefined;
  const fields = [value?.driver, value?.target, value?.origin, value?.key];
  if (!fields.every((field) => typeof field === "string")) throw damagedState(path, "its first line is not an addlist state header");
  return value as StateBinding;
}

function sameBinding(a: StateBinding, b: StateBinding): boolean {
  return a.driver === b.driver && a.target === b.target && a.origin === b.origin && a.key === b.key;
}

function describeBinding(binding: StateBinding): string {
  return `\`${binding.driver} ${binding.target}\` at ${binding.origin}${binding.key === "" ? "" : ` (${binding.key})`}`;
}

function damagedState(path: string, why: string): UsageError {
  return new UsageError(`${path} is not an addlist state file: ${why}`, "state_damaged");
}
