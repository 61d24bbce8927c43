import { InputError } from "../errors.js";
import type { InputSource } from "../input/source.js";
import { openTable } from "../input/table.js";
import type { ResumeState } from "../report/resume-state.js";
import type { RowResult } from "../report/row-result.js";
import type { ReportWriter } from "../report/writer.js";
import { SeenSet } from "../rows/seen-set.js";
import { Batcher } from "./batcher.js";
import { Dispatcher } from "./dispatcher.js";
import type { Plan } from "./plan.js";
import type { RunControl } from "./run-control.js";
import { inDoubt } from "./capacity-watch.js";
import { BREAKER_THRESHOLD, type PendingRow, pendingRow, type SendContext, settleBatch } from "./send-batch.js";

export interface UploadRequest {
  source: InputSource;
  plan: Plan;
  batchSize: number;
  concurrency: number;
  /** Undefined for `--dry-run`: batches are planned, not sent. */
  send: Omit<SendContext, "settle"> | undefined;
  control: RunControl;
  resume: ResumeState | undefined;
  report: ReportWriter;
  /** Called with every group of results as they are written. */
  onResults(results: readonly RowResult[]): void;
}

/**
 * The second pass: checks and dedupes every row, batches the rest and sends them with
 * bounded concurrency, writing each row's result as it settles. When the run stops early
 * it keeps reading, so that every remaining row still gets its record (`not_sent`).
 * Returns the number of requests planned (the batches formed), and whether every row got
 * its record (not so when the run was abandoned or the input changed under it).
 */
export async function upload(request: UploadRequest): Promise<{ batches: number; complete: boolean }> {
  const { plan, control, resume, report } = request;
  const { driver, access } = plan;
  const settle = (results: RowResult[]): void => {
    if (results.length === 0) return;
    report.write(results);
    request.onResults(results);
  };
  const seen = new SeenSet(plan.rows);
  const batcher = new Batcher<PendingRow>(request.batchSize, driver.maxBatchBytes, (row) => row.check.item);
  const dispatch = batchRunner(request, settle);
  let batches = 0;
  const submit = async (batch: PendingRow[]): Promise<void> => {
    batches++;
    await dispatch.submit(batch);
  };

  if (!(await request.source.unchanged())) {
    throw new InputError(`${request.source.name} changed after it was checked; nothing was sent. Run again.`, "input_changed");
  }
  let complete = true;
  try {
    try {
      await readRows();
    } catch (error) {
      // The file changed under the second read: what was sent stays recorded, the rest cannot be.
      if (!(error instanceof InputError)) throw error;
      control.stop({ kind: "input", message: error.message });
      complete = false;
    }
    const last = batcher.flush();
    if (last !== undefined && !control.abandoned) await submit(last);
    await dispatch.drain();
    if (request.send !== undefined) await confirmHeld({ ...request.send, settle }, control);
  } catch (error) {
    // A fatal error (a bug, the report failing): end every wait and request now, so that the
    // process does not linger on a backoff, and let the batches in progress record what they can.
    control.abandon();
    await dispatch.drain().catch(() => {});
    throw error;
  }
  return { batches, complete: complete && !control.abandoned };

  async function readRows(): Promise<void> {
    const table = await openTable(request.source, plan.tableOptions);
    for await (const group of table.records) {
      if (control.abandoned) break;
      const local: RowResult[] = [];
      for (const record of group) {
        const check = driver.check(record, access);
        if (resume?.isSettled(record.row) === true) {
          if (check.ok) seen.add(check.identity); // later copies are still duplicates
          continue;
        }
        if (!check.ok) {
          local.push({ record, key: check.key, status: "invalid", code: check.code, message: check.message, attempts: 0 });
        } else if (!seen.add(check.identity)) {
          local.push({ record, key: check.key, status: "duplicate_in_input", code: "duplicate", message: "the same key as an earlier row", attempts: 0 });
        } else if (control.stopped) {
          local.push({ record, key: check.key, status: "not_sent", ...control.unsentBecause(), attempts: 0 });
        } else {
          const batch = batcher.add(pendingRow(record, check, resume?.mayHaveApplied(record.row) === true));
          if (batch !== undefined) {
            settle(local.splice(0));
            await submit(batch);
          }
        }
      }
      settle(local);
      await report.drained();
    }
  }
}

/**
 * Batches a capped list answered only partly, with no later request to tell whether the
 * cap or duplicates left leads out, are sent once more (adding to a lead list is
 * idempotent): "none added" proves them all in the list, a 409 proves it full.
 */
async function confirmHeld(ctx: SendContext, control: RunControl): Promise<void> {
  for (const rows of ctx.capacity.take()) {
    if (control.stopped) ctx.settle(rows.map((row) => inDoubt(row, "unconfirmed", "the run stopped before this could be confirmed")));
    else {
      // Their request was applied in part: whatever the confirmation finds, some may be ours.
      for (const row of rows) row.ambiguous = true;
      await settleBatch(rows, ctx, true);
    }
  }
}

interface BatchRunner {
  submit(batch: PendingRow[]): Promise<void>;
  drain(): Promise<void>;
}

function batchRunner(request: UploadRequest, settle: (results: RowResult[]) => void): BatchRunner {
  const send = request.send;
  if (send === undefined) {
    return {
      submit: async (batch) => {
        for (const row of batch) row.status = "planned";
        settle(batch);
      },
      drain: async () => {},
    };
  }
  let failedInARow = 0;
  return new Dispatcher<PendingRow[]>(request.concurrency, async (batch) => {
    const { failed } = await settleBatch(batch, { ...send, settle });
    failedInARow = failed ? failedInARow + 1 : 0;
    if (failedInARow >= BREAKER_THRESHOLD) {
      request.control.stop({ kind: "breaker", message: `${failedInARow} batches in a row failed after all retries` });
    }
  });
}
