import { createAuth } from "./auth/create.js";
import { Redactor } from "./auth/redactor.js";
import type { Auth } from "./auth/types.js";
import type { Credentials, RunConfig } from "./config.js";
import { AddlistError, describeError, ExitCode, InputError } from "./errors.js";
import type { ProviderName } from "./drivers/types.js";
import { DEFAULT_BACKOFF } from "./http/backoff.js";
import { HttpClient } from "./http/client.js";
import { systemClock } from "./http/clock.js";
import { Throttle } from "./http/throttle.js";
import { openInputSource } from "./input/source.js";
import { CapacityWatch } from "./pipeline/capacity-watch.js";
import { planInput } from "./pipeline/plan.js";
import { RunControl, stopExitCode } from "./pipeline/run-control.js";
import type { AttemptTrace, RunStats } from "./pipeline/send-batch.js";
import { upload } from "./pipeline/upload.js";
import { reportEncoder } from "./report/format.js";
import { duration } from "./report/format-numbers.js";
import { checkReportPath } from "./report/preflight.js";
import { Progress, progressMode } from "./report/progress.js";
import { loadResumeState, settledRecords } from "./report/resume-state.js";
import { checkRunRecord, writeRunRecord } from "./report/run-record.js";
import type { RowStatus } from "./report/row-result.js";
import { exitCodeFor, type RunSummary, stopMessage } from "./report/summary.js";
import { Tally } from "./report/tally.js";
import { journalPath, ReportWriter } from "./report/writer.js";
import type { RunningSandbox } from "./sandbox/server.js";

/** Longest answer body read; anything longer is a broken or hostile server. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** After the first interrupt, requests in flight get this long before they are cut off. */
const INTERRUPT_GRACE_MS = 10_000;

export interface RunIo {
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** One upload, from the input to the summary; returns the summary (its `exit_code` included). */
export async function runUpload(config: RunConfig, io: RunIo): Promise<RunSummary> {
  const started = Date.now();
  const control = new RunControl();
  await checkReportPath(config.report, config);
  const source = await openInputSource(config.input);
  /** From here on the report is written and an interrupt is handled by the upload. */
  let sending = false;
  const releaseSignals = trapSignals(control, io, config.timeoutMs, () => sending);
  let sandbox: RunningSandbox | undefined;
  let client: HttpClient | undefined;
  try {
    const run = { driver: config.spec.name, target: config.target, dryRun: config.dryRun };
    if (config.resume) await checkRunRecord(config.report, run);
    const resume = config.resume ? await loadResumeState(config.report, config.reportKind) : undefined;
    const plan = await planInput({
      signal: control.waitSignal,
      source,
      format: config.format,
      delimiter: config.delimiter,
      header: config.header,
      column: config.column,
      spec: config.spec,
      createDriver: (columns, keyColumn, sample) => config.spec.create({ target: config.target, columns, keyColumn, sample, options: config.driverOptions }),
      resume: resume === undefined ? undefined : { state: resume, kind: config.reportKind },
    });
    for (const note of plan.notes) io.stderr.write(`addlist: note: ${note}\n`);
    sending = true;
    const tally = new Tally();
    const encoder = reportEncoder(config.reportKind, plan.layout);
    const carried = resume === undefined ? undefined : countCarried(settledRecords(resume.source, config.reportKind), tally);
    const report = config.report === "-" ? ReportWriter.toStdout(encoder) : await ReportWriter.toFile(config.report, encoder, carried);
    if (config.report !== "-") await writeRunRecord(config.report, run);

    const stats: RunStats = { requests: 0, retries: 0, rateLimited: 0, splitRequests: 0 };
    let send: Parameters<typeof upload>[0]["send"];
    if (!config.dryRun) {
      const redactor = new Redactor();
      let base = config.baseUrl;
      let auth: Auth;
      if (config.sandbox) {
        const { startSandbox } = await import("./sandbox/server.js");
        sandbox = await startSandbox();
        base = new URL(sandbox.baseUrl(config.spec.provider));
        auth = createAuth(sandboxCredentials(config.spec.provider, sandbox), config.timeoutMs, redactor);
      } else auth = createAuth(config.credentials ?? missing(), config.timeoutMs, redactor);
      const url = base ?? missing();
      client = new HttpClient(url.origin, { connections: config.concurrency, timeoutMs: config.timeoutMs, maxBodyBytes: MAX_ANSWER_BYTES, scrub: (text) => redactor.scrub(text) });
      send = {
        driver: plan.driver,
        client,
        basePath: url.pathname.replace(/\/+$/, ""),
        auth,
        throttle: new Throttle({ concurrency: config.concurrency, ratePerSecond: config.rate, maxWaitMs: config.maxWaitMs, clock: systemClock }),
        control,
        clock: systemClock,
        backoff: DEFAULT_BACKOFF,
        retries: config.retries,
        stats,
        capacity: new CapacityWatch(),
        trace: config.verbose ? (event) => io.stderr.write(traceLine(event)) : undefined,
      };
    }

    const label = `addlist ${config.spec.name} → ${config.target}`;
    const progress = new Progress(progressMode(config.progress, io.stderr, io.env), io.stderr, () => ({
      rowsDone: tally.done,
      rowsTotal: plan.rows,
      counts: tally.counts,
      requests: stats.requests,
    }), label);
    await progress.start();
    let batches: number;
    let complete: boolean;
    try {
      ({ batches, complete } = await upload({
        source,
        plan,
        batchSize: config.batchSize,
        concurrency: config.concurrency,
        send,
        control,
        resume,
        report,
        onResults: (results) => tally.add(results),
      }));
    } catch (error) {
      // What was settled stays in the journal, so that --resume can finish the job. (An input
      // that changed before the upload began is refused with nothing sent: it says so itself.)
      await report.abandon();
      const where = config.report === "-" || error instanceof InputError ? "" : `; what was settled is in ${journalPath(config.report)}, and --resume continues from it`;
      if (error instanceof AddlistError) throw new AddlistError(`${error.message}${where}`, error.code, error.exitCode, { cause: error });
      throw new AddlistError(`internal error: ${describeError(error)}${where}`, "internal", ExitCode.internal, { cause: error });
    } finally {
      progress.stop();
    }
    // Abandoned (a second Ctrl-C) or cut short by a changed input, the report stays in its journal, with rows missing.
    const reportAt = !complete && config.report !== "-" ? journalPath(config.report) : config.report;
    if (!complete) {
      await report.abandon();
      io.stderr.write(`the report is incomplete (${reportAt}): run the same command with --resume to finish\n`);
    } else await report.finish();

    const stop = control.stopReason;
    return {
      driver: config.spec.name,
      target: config.target,
      dry_run: config.dryRun,
      rows: plan.rows,
      counts: tally.counts,
      requests: config.dryRun ? batches : stats.requests,
      retries: stats.retries,
      elapsed_ms: Date.now() - started,
      report: reportAt,
      exit_code: exitCodeFor(tally.counts, stop),
      ...(stop?.kind === "quota" ? { resume_after: new Date(stop.resumeAt).toISOString() } : {}),
      rate_limited: stats.rateLimited,
      split_requests: stats.splitRequests,
      ...(stop === undefined ? {} : { stopped: { reason: stop.kind, message: stopMessage(stop) } }),
    };
  } catch (error) {
    const stop = control.stopReason;
    if (stop?.kind === "signal" && control.stopped && !sending) {
      throw new AddlistError(`interrupted by ${stop.signal} while reading the input; nothing was sent and no report was written`, "interrupted", stopExitCode(stop));
    }
    throw error;
  } finally {
    releaseSignals();
    await client?.close();
    await sandbox?.close();
    await source.dispose();
  }
}

async function* countCarried(records: AsyncIterable<{ status: string; line: string }>, tally: Tally): AsyncGenerator<string> {
  for await (const record of records) {
    tally.count(record.status as RowStatus);
    yield record.line;
  }
}

/**
 * The first SIGINT/SIGTERM stops the run gently: in-flight requests settle (those still
 * running after the grace period are cut off) and every unsent row is reported. A second
 * abandons it at once, leaving the report in its journal for `--resume`.
 */
function trapSignals(control: RunControl, io: RunIo, timeoutMs: number, sending: () => boolean): () => void {
  let grace: NodeJS.Timeout | undefined;
  let received = 0;
  const onSignal = (signal: "SIGINT" | "SIGTERM"): void => {
    if (++received === 1) {
      control.stop({ kind: "signal", signal });
      if (sending()) io.stderr.write(`\n${signal}: finishing requests in flight and writing the report (again to exit at once)\n`);
      grace = setTimeout(() => control.cutRequests(), Math.min(timeoutMs, INTERRUPT_GRACE_MS));
      grace.unref();
    } else control.abandon();
  };
  const onInt = (): void => onSignal("SIGINT");
  const onTerm = (): void => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    if (grace !== undefined) clearTimeout(grace);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}

function traceLine(event: AttemptTrace): string {
  const outcome = event.status === undefined ? `failed: ${event.error ?? "?"}` : `HTTP ${event.status}`;
  return `${new Date().toISOString()} POST ${event.path} (${event.rows} rows) → ${outcome} in ${duration(event.ms)}\n`;
}

/** Obviously fake credentials for the embedded sandbox: the real ones are never sent to it. */
function sandboxCredentials(provider: ProviderName, sandbox: RunningSandbox): Credentials {
  if (provider !== "emarsys") return { kind: "bearer", token: "sandbox-key" };
  return { kind: "oauth2", clientId: "sandbox-client", clientSecret: "sandbox-secret", tokenUrl: sandbox.tokenUrl };
}

function missing(): never {
  throw new Error("credentials and base URL are resolved for every run that sends");
}
