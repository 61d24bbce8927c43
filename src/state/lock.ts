import { hostname } from "node:os";
import { open, readFile, rm, stat } from "node:fs/promises";
import { describeError, UsageError } from "../errors.js";
import { parseJson } from "../json.js";

/** A lock whose content cannot be read is another run's only while it is being written. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

interface Holder {
  pid: number;
  host: string;
  started: string;
}

/**
 * A file only one addlist run may use at a time (a report, a state file), held through
 * `<file>.lock`, created exclusively and naming the process that holds it. A second run is
 * refused at once; a lock left by a process that is gone, on this host, is taken over.
 */
export class Lock {
  private constructor(
    private readonly path: string,
    private readonly mine: string,
  ) {}

  /** `what` names the locked file in the refusal, e.g. "the report r.csv". */
  static async acquire(path: string, what: string): Promise<Lock> {
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() } satisfies Holder);
    const failed = (error: unknown): UsageError => new UsageError(`cannot lock ${what} (${path}): ${describeError(error)}`, "lock_failed", { cause: error });
    for (let attempt = 0; ; attempt++) {
      try {
        await create(path, mine);
        return new Lock(path, mine);
      } catch (error) {
        if (codeOf(error) !== "EEXIST") throw failed(error);
      }
      const found = await readFile(path, "utf8").catch((error: unknown) => {
        if (codeOf(error) === "ENOENT") return undefined; // released meanwhile
        throw failed(error); // a directory, or another user's lock: trying again would not help
      });
      if (found === undefined) continue;
      if (attempt < 3 && (await isStale(path, found))) {
        await takeOver(path, found);
        continue;
      }
      throw busy(path, what, found);
    }
  }

  async release(): Promise<void> {
    const found = await readFile(this.path, "utf8").catch(() => undefined);
    if (found === this.mine) await rm(this.path, { force: true });
  }
}

/** Creates the lock file with its content; a lock file that could not be written is removed. */
async function create(path: string, content: string): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  let written = false;
  try {
    await handle.writeFile(content);
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(path, { force: true });
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Removes a stale lock, as read, under `<lock>.takeover`: of two runs that find the same
 * stale lock, one removes it while the other waits, then finds the winner's lock, alive.
 */
async function takeOver(path: string, stale: string): Promise<void> {
  const takeover = `${path}.takeover`;
  try {
    await (await open(takeover, "wx", 0o600)).close();
  } catch {
    // Another run is taking over (or died doing so, long ago: its marker goes).
    const age = await stat(takeover).then(
      (found) => Date.now() - found.mtimeMs,
      () => 0,
    );
    if (age > UNREADABLE_LOCK_GRACE_MS) await rm(takeover, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  try {
    if ((await readFile(path, "utf8").catch(() => undefined)) === stale) await rm(path, { force: true });
  } finally {
    await rm(takeover, { force: true });
  }
}

async function isStale(path: string, content: string): Promise<boolean> {
  const holder = holderOf(content);
  if (holder === undefined) {
    const age = await stat(path).then(
      (found) => Date.now() - found.mtimeMs,
      () => 0,
    );
    return age > UNREADABLE_LOCK_GRACE_MS;
  }
  return holder.host === hostname() && !isAlive(holder.pid);
}

function holderOf(content: string): Holder | undefined {
  const value = parseJson(content) as Partial<Holder> | undefined;
  if (typeof value?.pid !== "number" || typeof value.host !== "string") return undefined;
  return { pid: value.pid, host: value.host, started: typeof value.started === "string" ? value.started : "?" };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function busy(path: string, what: string, content: string): UsageError {
  const holder = holderOf(content);
  const who =
    holder === undefined
      ? "another addlist run"
      : `another addlist run (pid ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`}, since ${holder.started})`;
  return new UsageError(`${who} is using ${what}: wait for it to end (if no such run is left, remove ${path})`, "locked");
}
