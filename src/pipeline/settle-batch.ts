import type { BatchVerdict, ProviderError, RowOutcome, SentRow } from "../drivers/types.js";
import type { RowResult, RowStatus } from "../report/row-result.js";
import { type CapacityWatch, inDoubt } from "./capacity-watch.js";
import { stopReasonOf } from "./run-control.js";
import { type SendContext, type SendOutcome, sendPart } from "./send-part.js";

/** A row to send, as the check pass kept it. */
export interface PendingRow extends SentRow {
  readonly row: number;
  readonly key: string;
  readonly tail: string;
  /** An earlier run's request may already have applied it (see ResumeState). */
  readonly mayHaveApplied: boolean;
}

/** Extra requests allowed to isolate rows in one batch the provider refused without naming them. */
const MAX_SPLIT_REQUESTS = 64;

export interface SettleContext extends SendContext {
  capacity: CapacityWatch<PendingRow>;
}

/** Rows on their way in one request, with what this run's earlier requests carrying them left behind. */
interface Part {
  rows: PendingRow[];
  requests: number;
  /** A request carrying them may have been applied without our knowing. */
  ambiguous: boolean;
}

/** A batch on its way to a settled state. */
interface Settling {
  readonly ctx: SettleContext;
  readonly confirming: boolean;
  /** Parts still to send, in order. */
  readonly parts: Part[];
  readonly results: RowResult[];
  splitBudget: number;
  failed: boolean;
}

/**
 * Takes one batch to a settled state and returns every row's result: retries and waits
 * happen in `sendPart`; here rows the provider names are rejected and the rest sent again,
 * batches refused without names are halved, and a run-level refusal stops the run. Results
 * held back by a capped list come out with the batch that clears them. `failed`: the batch
 * failed outright (for the circuit breaker). `confirming`: the batch is sent again only to
 * learn whether held rows made it into a capped list, so a partial answer is left in doubt.
 */
export async function settleBatch(batch: PendingRow[], ctx: SettleContext, confirming = false): Promise<{ results: RowResult[]; failed: boolean }> {
  const settling: Settling = {
    ctx,
    confirming,
    parts: [{ rows: batch, requests: 0, ambiguous: false }],
    results: [],
    splitBudget: MAX_SPLIT_REQUESTS,
    failed: false,
  };
  for (let part = settling.parts.shift(); part !== undefined; part = settling.parts.shift()) {
    const sent = ctx.control.stopped ? undefined : await sendPart(part.rows, part.ambiguous, ctx);
    const outcome: SendOutcome = sent ?? { verdict: { kind: "unsent" }, requests: 0, ambiguous: part.ambiguous };
    const done = { ...part, requests: part.requests + outcome.requests, ambiguous: outcome.ambiguous, httpStatus: outcome.httpStatus };
    apply(outcome, done, settling);
  }
  return { results: settling.results, failed: settling.failed };
}

/** What a request's outcome means for its rows. */
function apply(outcome: SendOutcome, done: Part & Sending, settling: Settling): void {
  const { verdict } = outcome;
  const { results, ctx } = settling;
  switch (verdict.kind) {
    case "settled":
      return settled(verdict, outcome.startedAs, done, settling);
    case "reject_rows": {
      done.rows.forEach((row, i) => {
        const refusal = verdict.rejected.get(i);
        if (refusal !== undefined) results.push(result(row, "rejected", refusal, done));
      });
      const rest = done.rows.filter((_, i) => !verdict.rejected.has(i));
      if (rest.length > 0) settling.parts.unshift({ ...done, rows: rest });
      return;
    }
    case "split":
      return split(verdict, done, settling);
    case "fail":
      results.push(...done.rows.map((row) => result(row, "failed", verdict, done)));
      settling.failed = true;
      return;
    case "stop":
    case "quota": {
      const listFull = verdict.kind === "stop" && verdict.cause === "full";
      ctx.control.stop(stopReasonOf(verdict));
      if (listFull) results.push(...ctx.capacity.listFull());
      // The rows of the request that met the refusal keep its code; a full list's rows are all `list_full`.
      const why = verdict.kind === "stop" ? { code: listFull ? "list_full" : verdict.code, message: verdict.message } : ctx.control.unsentBecause();
      results.push(...done.rows.map((row) => unsent(row, why, done)));
      return;
    }
    case "unsent":
      results.push(...done.rows.map((row) => unsent(row, ctx.control.unsentBecause(), done)));
  }
}

function settled(verdict: Extract<BatchVerdict, { kind: "settled" }>, startedAs: number | undefined, done: Part & Sending, settling: Settling): void {
  const { ctx, results } = settling;
  const outcomes = done.rows.map((row, i) => settledResult(row, verdict.outcomes[i], done));
  if (verdict.roomLeft === true && startedAs !== undefined) results.push(...ctx.capacity.roomShown(startedAs));
  if (verdict.provisional !== true) results.push(...outcomes);
  else if (!settling.confirming) ctx.capacity.hold(outcomes, done.rows, ctx.stats.requests);
  else results.push(...outcomes.map((row) => inDoubt(row, "unconfirmed", "whether the list's cap left some of these out is unknown; run again with --resume")));
}

/** A request refused without naming rows: halved until the rows at fault are isolated, within a budget. */
function split(verdict: ProviderError, done: Part & Sending, settling: Settling): void {
  if (done.rows.length === 1) {
    settling.results.push(result(done.rows[0] as PendingRow, "rejected", verdict, done));
  } else if (settling.splitBudget >= 2) {
    settling.splitBudget -= 2;
    settling.ctx.stats.splitRequests += 2;
    const middle = done.rows.length >> 1;
    settling.parts.unshift({ ...done, rows: done.rows.slice(0, middle) }, { ...done, rows: done.rows.slice(middle) });
  } else {
    const message = `${verdict.message} (the rows at fault could not be isolated within ${MAX_SPLIT_REQUESTS} extra requests)`;
    settling.results.push(...done.rows.map((row) => result(row, "failed", { code: verdict.code, message }, done)));
    settling.failed = true;
  }
}

interface Sending {
  requests: number;
  ambiguous: boolean;
  httpStatus?: number | undefined;
}

function settledResult(row: PendingRow, outcome: RowOutcome | undefined, sending: Sending): RowResult {
  if (outcome === undefined) return result(row, "failed", { code: "bad_response", message: "the provider's answer has no outcome for this row" }, sending);
  // "Already there" after an attempt that may have applied proves nothing about who added it.
  if (outcome.status === "already_present" && (sending.ambiguous || row.mayHaveApplied)) {
    return result(row, "added_or_present", { code: "retried", message: "in the list; an earlier attempt may have added it" }, sending);
  }
  return result(row, outcome.status, outcome, sending);
}

/** Rows not sent because the run stopped: `failed` if an earlier attempt may have applied. */
export function unsent(row: PendingRow, why: ProviderError, sending: Sending): RowResult {
  if (!sending.ambiguous && !row.mayHaveApplied) return result(row, "not_sent", why, sending);
  return result(row, "failed", { code: why.code, message: `${why.message.replace(/^not sent: /, "")}; an earlier attempt may have applied it` }, sending);
}

function result(row: PendingRow, status: RowStatus, detail: Partial<ProviderError> | undefined, sending: Sending): RowResult {
  return {
    row: row.row,
    key: row.key,
    status,
    code: detail?.code,
    message: detail?.message,
    attempts: sending.requests,
    httpStatus: sending.httpStatus,
    tail: row.tail,
    identity: row.identity,
  };
}
