import type { PendingRow } from "./send-batch.js";

/**
 * Outcomes that stand only if the target did not fill up. A capped list (Amplemarket)
 * answers a partial batch the same way whether the missing leads were duplicates or the
 * list reached its cap. Such rows wait here until a request started after their answer
 * shows the list still had room (they stand), or the run stops on a full list (they become
 * `failed`: which leads made it is unknown). What still waits when the run ends is sent
 * once more to find out (see `upload`). At most the batches in flight wait at once.
 */
export class CapacityWatch {
  private held: { rows: PendingRow[]; after: number }[] = [];

  /** `after`: requests started so far; a later one can clear these rows. */
  hold(rows: PendingRow[], after: number): void {
    this.held.push({ rows, after });
  }

  /** A request started as number `startedAs` found room: what was held before it stands. */
  roomShown(startedAs: number): PendingRow[] {
    const cleared = this.held.filter((entry) => entry.after < startedAs);
    this.held = this.held.filter((entry) => entry.after >= startedAs);
    return cleared.flatMap((entry) => entry.rows);
  }

  /** The list is full: whatever is held is in doubt. */
  listFull(): PendingRow[] {
    return this.take().flatMap((rows) => rows.map((row) => inDoubt(row, "list_full", "the list filled up while this request was applied")));
  }

  /** The batches still held, each as it was sent. */
  take(): PendingRow[][] {
    const held = this.held.map((entry) => entry.rows);
    this.held = [];
    return held;
  }
}

/** A held row whose outcome could not be settled. */
export function inDoubt(row: PendingRow, code: string, why: string): PendingRow {
  row.message = `${why}; ${row.message ?? ""}`.replace(/; $/, "");
  row.status = "failed";
  row.code = code;
  return row;
}
