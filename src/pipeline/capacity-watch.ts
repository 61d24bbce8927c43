import type { RowResult } from "../report/row-result.js";

/**
 * Outcomes that stand only if the target did not fill up. A capped list (Amplemarket)
 * answers a partial batch the same way whether the missing leads were duplicates or the
 * list reached its cap. Such results wait here until a request started after their answer
 * shows the list still had room (they stand), or the run stops on a full list (they become
 * `failed`: which leads made it is unknown), or the run ends (they stand). At most the
 * batches in flight wait at once.
 */
export class CapacityWatch {
  private held: { results: RowResult[]; after: number }[] = [];

  /** `after`: requests started so far; a later one can clear these results. */
  hold(results: RowResult[], after: number): void {
    this.held.push({ results, after });
  }

  /** A request started as number `startedAs` found room: what was held before it stands. */
  roomShown(startedAs: number): RowResult[] {
    const cleared = this.held.filter((entry) => entry.after < startedAs);
    this.held = this.held.filter((entry) => entry.after >= startedAs);
    return cleared.flatMap((entry) => entry.results);
  }

  /** The list is full: whatever is held is in doubt. */
  listFull(): RowResult[] {
    const held = this.release();
    return held.map((result) => ({
      ...result,
      status: "failed",
      code: "list_full",
      message: `the list filled up while this request was applied; ${result.message ?? ""}`.trim(),
    }));
  }

  /** The run ended without the list filling up: the held results stand. */
  release(): RowResult[] {
    const held = this.held.flatMap((entry) => entry.results);
    this.held = [];
    return held;
  }
}
