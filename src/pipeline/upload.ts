import type { CarriedRecords } from "../report/carried.js";
import type { OrderedReport } from "../report/ordered-report.js";
import type { RowResult } from "../report/row-result.js";
import { Batcher } from "./batcher.js";
import { inDoubt } from "./capacity-watch.js";
import { Dispatcher } from "./dispatcher.js";
import type { Outcomes } from "./outcomes.js";
import type { RunControl } from "./run-control.js";
import { type PendingRow, type SettleContext, settleBatch, unsent } from "./settle-batch.js";
import type { Spool, SpoolEntry } from "./spool.js";

export interface UploadRequest {
  spool: Spool;
  batchSize: number;
  maxBatchBytes: number;
  concurrency: number;
  /** Undefined for `--dry-run`: batches are planned, not sent. */
  send: SettleContext | undefined;
  control: RunControl;
  report: OrderedReport;
  outcomes: Outcomes;
  /** Records earlier runs settled (`--resume`). */
  carried: CarriedRecords | undefined;
}

/**
 * The upload: reads the spool in input order, records what the check pass settled, batches
 * the rows to send and sends them with bounded concurrency, recording each row's result as
 * its batch settles. A batch's slot is freed only once its records have reached the
 * operating system, so a crash loses at most the batches in flight. When the run stops
 * early, every remaining row still gets its record (`not_sent`), unless it is abandoned.
 * Returns the number of requests planned (the batches formed).
 */
export async function upload(request: UploadRequest): Promise<{ batches: number }> {
  const { control, outcomes } = request;
  const batcher = new Batcher<PendingRow>(request.batchSize, request.maxBatchBytes, (row) => row.item);
  const dispatch = batchRunner(request);
  let batches = 0;
  const submit = async (batch: PendingRow[] | undefined): Promise<void> => {
    if (batch === undefined) return;
    batches++;
    await dispatch.submit(batch);
  };
  try {
    for await (const group of request.spool.read()) {
      if (control.abandoned) break;
      const local: RowResult[] = [];
      for (const entry of group) {
        const row = entry.row;
        if (entry.kind === "carried") {
          outcomes.record(local.splice(0));
          outcomes.recordCarried(await (request.carried ?? noCarried()).take(row));
        } else if (entry.kind !== "pending") local.push(settledAtCheck(row, entry));
        else if (control.stopped) local.push(unsent(entry, control.unsentBecause(), { requests: 0, ambiguous: false }));
        else {
          const batch = batcher.add(entry);
          if (batch === undefined) continue;
          outcomes.record(local.splice(0));
          await submit(batch);
        }
      }
      outcomes.record(local);
      await room();
    }
    if (!control.abandoned) await submit(batcher.flush());
    await dispatch.drain();
    if (request.send !== undefined) await confirmHeld(request.send, request);
  } catch (error) {
    // A fatal error (a bug, the report failing): end every wait and request now, so that the
    // process does not linger on a backoff, and let the batches in progress record what they can.
    control.abandon();
    await dispatch.drain().catch(() => {});
    throw error;
  }
  return { batches };

  /**
   * Holds the reader back while the report holds too many records waiting for an earlier
   * row: the partial batch is sent (the row waited for may be in it), and held rows of a
   * capped list are confirmed once nothing else is in flight.
   */
  async function room(): Promise<void> {
    while (!request.report.hasRoom() && !control.abandoned) {
      await submit(batcher.flush());
      if (!dispatch.idle) await Promise.race([request.report.room(), dispatch.taskFinished()]);
      else if (request.send !== undefined && request.send.capacity.size > 0) await confirmHeld(request.send, request);
      else {
        await request.report.flushed();
        if (!request.report.hasRoom()) throw new Error(`the report waits for row ${request.report.rowsWritten + 1}, which is not in flight`);
      }
    }
  }
}

/** A row settled by the check pass: invalid, a duplicate, or known from `--state`. */
function settledAtCheck(row: number, entry: Exclude<SpoolEntry, { kind: "pending" | "carried" }>): RowResult {
  const { key, tail } = entry;
  switch (entry.kind) {
    case "invalid":
      return { row, key, attempts: 0, tail, status: "invalid", code: entry.code, message: entry.message };
    case "duplicate":
      return { row, key, attempts: 0, tail, status: "duplicate_in_input", code: "duplicate", message: "the same key as an earlier row" };
    case "known":
      return { row, key, attempts: 0, tail, status: "known", code: "known", message: "an earlier run confirmed it in the target (--state)" };
  }
}

/**
 * Batches a capped list answered only partly, with no later request to tell whether the
 * cap or duplicates left leads out, are sent once more (adding to a lead list is
 * idempotent): "none added" proves them all in the list, a 409 proves it full.
 */
async function confirmHeld(ctx: SettleContext, request: UploadRequest): Promise<void> {
  for (const held of ctx.capacity.take()) {
    if (request.control.stopped) {
      request.outcomes.record(held.results.map((result) => inDoubt(result, "unconfirmed", "the run stopped before this could be confirmed")));
      continue;
    }
    // Their request was applied in part: whatever the confirmation finds, some may be ours.
    const { results } = await settleBatch(
      held.rows.map((row) => ({ ...row, mayHaveApplied: true })),
      ctx,
      true,
    );
    request.outcomes.record(results);
    await request.outcomes.flushed();
  }
}

interface BatchRunner {
  submit(batch: PendingRow[]): Promise<void>;
  drain(): Promise<void>;
  readonly idle: boolean;
  taskFinished(): Promise<void>;
}

function batchRunner(request: UploadRequest): BatchRunner {
  const { send, outcomes, control } = request;
  if (send === undefined) {
    return {
      submit: async (batch) => outcomes.record(batch.map((row) => ({ row: row.row, key: row.key, status: "planned", attempts: 0, tail: row.tail }))),
      drain: async () => {},
      idle: true,
      taskFinished: async () => {},
    };
  }
  return new Dispatcher<PendingRow[]>(request.concurrency, async (batch) => {
    const { results, failed } = await settleBatch(batch, send);
    outcomes.record(results);
    control.noteBatch(failed);
    await outcomes.flushed();
  });
}

function noCarried(): never {
  throw new Error("a row is carried from an earlier run, but there are no carried records");
}
