import { setMaxListeners } from "node:events";
import type { ProviderError, StopCause } from "../drivers/types.js";
import { ExitCode } from "../errors.js";

/** Batches in a row that fail after all retries before the run stops. */
const BREAKER_THRESHOLD = 5;

/** Why a run stopped before every row was sent. */
export type StopReason =
  /** A run-level provider answer (bad key, no permission, unknown target, list full…). */
  | { kind: "provider"; code: string; message: string; cause?: StopCause | undefined }
  /** The provider asked to wait longer than `--max-wait`. */
  | { kind: "quota"; resumeAt: number }
  /** Batch after batch failed: the provider looks down. */
  | { kind: "breaker"; message: string }
  | { kind: "signal"; signal: "SIGINT" | "SIGTERM" };

/**
 * The run's stop switch. Stopping ends all waiting (rate-limit pauses, backoffs, queued
 * batches) at once, but lets requests already in flight finish; `cutRequests` cuts those
 * too (the interrupt grace period is over), and `abandon` (a second Ctrl-C) also stops
 * reading the input, leaving rows without a record.
 */
export class RunControl {
  private reason: StopReason | undefined;
  private failedInARow = 0;
  private readonly waits = new AbortController();
  private readonly requests = new AbortController();
  private abandonedRun = false;

  constructor() {
    // Every request and every wait listens on these: up to 64 of each at once, by design.
    setMaxListeners(256, this.waits.signal, this.requests.signal);
  }

  get stopped(): boolean {
    return this.reason !== undefined || this.abandonedRun;
  }

  /** True after a second interrupt: stop reading, exit as soon as the report is flushed. */
  get abandoned(): boolean {
    return this.abandonedRun;
  }

  get stopReason(): StopReason | undefined {
    return this.reason;
  }

  /** Aborts when the run stops: for sleeps and queues. */
  get waitSignal(): AbortSignal {
    return this.waits.signal;
  }

  /** Aborts when the run is abandoned: for requests in flight. */
  get requestSignal(): AbortSignal {
    return this.requests.signal;
  }

  /** The first reason wins; later ones are ignored. */
  private unsent: { reason: StopReason | undefined; because: { code: string; message: string } } | undefined;

  stop(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.waits.abort(new Error("the run is stopping"));
  }

  /** Batch after batch failing after all retries means the provider is down: stop instead of hammering it. */
  noteBatch(failed: boolean): void {
    this.failedInARow = failed ? this.failedInARow + 1 : 0;
    if (this.failedInARow >= BREAKER_THRESHOLD) this.stop({ kind: "breaker", message: `${this.failedInARow} batches in a row failed after all retries` });
  }

  cutRequests(): void {
    this.requests.abort(new Error("the requests in flight were cut off"));
  }

  /** Ends every wait and every request at once (a second interrupt, or a fatal error). */
  abandon(): void {
    this.abandonedRun = true;
    this.waits.abort(new Error("the run was abandoned"));
    this.cutRequests();
  }

  /** The code and message for rows left unsent because of the stop (made once: every later row has it). */
  unsentBecause(): { code: string; message: string } {
    if (this.unsent === undefined || this.unsent.reason !== this.reason) this.unsent = { reason: this.reason, because: unsentOutcome(this.reason) };
    return this.unsent.because;
  }
}

function unsentOutcome(reason: StopReason | undefined): { code: string; message: string } {
  if (reason === undefined) return { code: "not_sent", message: "not sent" };
  switch (reason.kind) {
    case "provider":
      return { code: reason.cause === "full" ? "list_full" : "run_stopped", message: `not sent: the run stopped (${reason.code}: ${reason.message})` };
    case "quota":
      return { code: "quota", message: `not sent: the provider's quota is used up until ${new Date(reason.resumeAt).toISOString()}` };
    case "breaker":
      return { code: "run_stopped", message: `not sent: the run stopped (${reason.message})` };
    case "signal":
      return { code: "interrupted", message: `not sent: the run was interrupted (${reason.signal})` };
  }
}

export function stopExitCode(reason: StopReason): ExitCode {
  switch (reason.kind) {
    case "provider":
    case "breaker":
      return ExitCode.stopped;
    case "quota":
      return ExitCode.quota;
    case "signal":
      return reason.signal === "SIGINT" ? ExitCode.sigint : ExitCode.sigterm;
  }
}

/** The one place where a request's refusal of the run, or a quota, becomes the run's stop. */
export function stopReasonOf(verdict: ({ kind: "stop"; cause?: StopCause } & ProviderError) | { kind: "quota"; resumeAt: number }): StopReason {
  if (verdict.kind === "quota") return { kind: "quota", resumeAt: verdict.resumeAt };
  return { kind: "provider", code: verdict.code, message: verdict.message, cause: verdict.cause };
}
