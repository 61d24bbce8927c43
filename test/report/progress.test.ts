import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Progress, type ProgressSnapshot } from "../../src/report/progress.js";
import { ROW_STATUSES, type StatusCounts } from "../../src/report/row-result.js";

function counts(set: Partial<StatusCounts>): StatusCounts {
  return { ...(Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as StatusCounts), ...set };
}

/** The lines a progress written to a stream (not a terminal) shows. */
function lines(snapshot: () => ProgressSnapshot): { progress: Progress; written: string[] } {
  const written: string[] = [];
  const stream = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { progress: new Progress("lines", stream, snapshot, "addlist leadlex-list → l"), written };
}

describe("progress lines", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("after a stop, counts only the rows it got through, in the share and in the pace", async () => {
    const { progress, written } = lines(() => ({
      rowsDone: 5000,
      rowsTotal: 5000,
      counts: counts({ added: 250, not_sent: 4750 }),
      requests: 25,
      carried: 0,
      stopped: "signal",
    }));
    await progress.start();
    vi.advanceTimersByTime(10_000);
    progress.stop();
    expect(written.at(-1)).toMatch(
      /addlist leadlex-list → l: stopped \(signal\) at 250\/5,000 rows \(5\.0%\), 25 rows\/s, 25 requests; added 250, not_sent 4,750\n$/,
    );
  });

  it("leaves rows carried over from an earlier run out of the pace, and tells the time left", async () => {
    const { progress, written } = lines(() => ({ rowsDone: 3000, rowsTotal: 4000, counts: counts({ added: 3000 }), requests: 10, carried: 2000 }));
    await progress.start();
    vi.advanceTimersByTime(10_000);
    expect(written.at(-1)).toMatch(/3,000\/4,000 rows \(75\.0%\), 100 rows\/s, ETA 10\.0 s, 10 requests; added 3,000\n$/);
    progress.stop();
  });
});
