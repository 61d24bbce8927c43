import type { RowResult } from "../report/row-result.js";

/**
 * Outcomes that stand only if the target did not fill up. A capped list (Amplemarket)
 * answers a partial batch the same way whether the missing leads were duplicates or the
 * list reached its cap. Such rows wait here until a request started after their answer
 * shows the list still had room (they stand), or the run stops on a full list (they become
 * `failed`: which leads made it is unknown). What still waits when the run ends is sent
 * once more to find out (see `upload`). At most the batches in flight wait at once.
 */
export class CapacityWatch<Row> {
  private held: { results: RowResult[]; rows: Row[]; after: number }[] = [];

  /** `after`: requests started so far; a later one can clear these results. */
  hold(results: RowResult[], rows: Row[], after: number): void {
    this.held.push({ results, rows, after });
  }

  get size(): number {
    return this.held.length;
  }

  /** A request started as number `startedAs` found room: what was held before it stands. */
  roomShown(startedAs: number): RowResult[] {
    const cleared = this.held.filter((entry) => entry.after < startedAs);
    this.held = this.held.filter((entry) => entry.after >= startedAs);
    return cleared.flatMap((entry) => entry.results);
  }

  /** The list is full: whatever is held is in doubt. */
  listFull(): RowResult[] {
    return this.take().flatMap((entry) => entry.results.map((result) => inDoubt(result, "list_full", "the list filled up while this request was applied")));
  }

  /** The batches still held: their provisional results, and their rows to send again. */
  take(): { results: RowResult[]; rows: Row[] }[] {
    const held = this.held;
    this.held = [];
    return held;
  }
}

/** A held result whose outcome could not be settled. */
export function inDoubt(result: RowResult, code: string, why: string): RowResult {
  const message = result.message === undefined ? why : `${why}; ${result.message}`;
  return { ...result, status: "failed", code, message };
}
