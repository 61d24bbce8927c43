import { existsSync, statSync } from "node:fs";
import { Redactor } from "./auth/redactor.js";
import { type RunConfig, readCredentials, resolveBaseUrl } from "./config.js";
import { handleSignalsFromHere } from "./early-signals.js";
import { AddlistError, describeError, ExitCode, InputError, UsageError } from "./errors.js";
import type { HttpClient } from "./http/client.js";
import { systemClock } from "./http/clock.js";
import { retryPolicy } from "./http/retry-policy.js";
import { Throttle } from "./http/throttle.js";
import { estimateRows, type InputSource, openInputSource } from "./input/source.js";
import { CapacityWatch } from "./pipeline/capacity-watch.js";
import { type CheckResult, checkInput } from "./pipeline/check.js";
import { Outcomes } from "./pipeline/outcomes.js";
import { RunControl, stopExitCode } from "./pipeline/run-control.js";
import type { AttemptTrace, RunStats } from "./pipeline/send-part.js";
import type { PendingRow, SettleContext } from "./pipeline/settle-batch.js";
import { upload } from "./pipeline/upload.js";
import { CarriedRecords, gatherCarried } from "./report/carried.js";
import { reportEncoder } from "./report/format.js";
import { duration } from "./report/format-numbers.js";
import { OrderedReport } from "./report/ordered-report.js";
import { claimReport, clearLeftovers } from "./report/preflight.js";
import { Progress, progressMode } from "./report/progress.js";
import { type EarlierRun, findEarlierRun, reportFiles, type ReportFiles } from "./report/report-files.js";
import { loadResumeState, type ResumeState } from "./report/resume-state.js";
import { checkRunRecord, writeRunRecord } from "./report/run-record.js";
import { exitCodeFor, type RunSummary, stopMessage } from "./report/summary.js";
import { Tally } from "./report/tally.js";
import type { RunningSandbox } from "./sandbox/server.js";
import { Lock } from "./state/lock.js";
import { type StateBinding, StateFile, type StateRecorder } from "./state/state-file.js";

/** Longest answer body read; anything longer is a broken or hostile server. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** After the first interrupt, requests in flight get this long before they are cut off. */
const INTERRUPT_GRACE_MS = 10_000;
/** Report records that may wait for an earlier row at the least (see OrderedReport). */
const MIN_HELD_RECORDS = 65_536;

export interface RunIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

/** What a run holds until it ends: released in any case. */
interface Held {
  locks: Lock[];
  source?: InputSource;
  check?: CheckResult;
  sandbox?: RunningSandbox;
  client?: HttpClient;
}

/** One upload, from the input to the summary; returns the summary (its `exit_code` included). */
export async function runUpload(config: RunConfig, io: RunIo): Promise<RunSummary> {
  const started = Date.now();
  const control = new RunControl();
  const files = config.report === "-" ? undefined : reportFiles(config.report);
  const held: Held = { locks: [] };
  /** From here on the report is written and an interrupt is handled by the upload. */
  let sending = false;
  const releaseSignals = trapSignals(control, io, config.timeoutMs, () => sending);
  try {
    if (files !== undefined) held.locks.push(await claimReport(files, config));
    if (config.state !== undefined && !config.dryRun) held.locks.push(await Lock.acquire(`${config.state}.lock`, `the state file ${config.state}`));
    for (const note of config.notes) io.stderr.write(`addlist: note: ${note}\n`);
    const state = config.state === undefined ? undefined : await StateFile.load(config.state);
    const earlier = config.resume && files !== undefined ? await findEarlierRun(files) : undefined;
    if (earlier !== undefined && files !== undefined) await checkRunRecord(files.report, files.runRecord, { driver: config.spec.name, target: config.target });
    const resume = earlier === undefined ? undefined : await loadResumeState(earlier, config.reportKind);
    held.source = await openInput(config, io);
    // undici loads while the input is checked, not after: only a run that sends needs it.
    const http = config.dryRun ? undefined : import("./http/client.js");
    http?.catch(() => {});
    const check = await checkInput({
      ...config,
      source: held.source,
      createDriver: (columns, keyColumn, sample) => config.spec.create({ target: config.target, columns, keyColumn, sample, options: config.driverOptions }),
      resume,
      known: config.fullRefresh ? undefined : state?.known,
      rowsHint: await estimateRows(config.input),
      spoolPath: files?.spool,
      signal: control.waitSignal,
    });
    held.check = check;
    refuseMissingTarget(config, check.rows);
    const binding: StateBinding = {
      driver: config.spec.name,
      target: config.target,
      origin: config.sandbox ? "addlist-sandbox" : (config.baseUrl?.origin ?? ""),
      key: check.driver.keyField,
    };
    state?.checkBinding(binding);
    for (const note of check.notes) io.stderr.write(`addlist: note: ${note}\n`);
    sending = true;
    const recording = state === undefined || config.dryRun ? undefined : { file: state, binding };
    return await send(config, io, { control, files, check, earlier, resume, state: recording, held, started, http });
  } catch (error) {
    const stop = control.stopReason;
    if (stop?.kind === "signal" && control.stopped && !sending) {
      throw new AddlistError(
        `interrupted by ${stop.signal} while reading the input; nothing was sent and no report was written`,
        "interrupted",
        stopExitCode(stop),
      );
    }
    throw error;
  } finally {
    releaseSignals();
    await held.client?.close();
    await held.sandbox?.close();
    await held.source?.dispose();
    await held.check?.spool.dispose();
    for (const lock of held.locks) await lock.release();
  }
}

interface Sending {
  control: RunControl;
  files: ReportFiles | undefined;
  check: CheckResult;
  earlier: EarlierRun | undefined;
  resume: ResumeState | undefined;
  state: { file: StateFile; binding: StateBinding } | undefined;
  held: Held;
  started: number;
  /** The HTTP client's module, loading (undefined for a dry run). */
  http: Promise<{ HttpClient: typeof HttpClient }> | undefined;
}

/** The upload, once the input is checked: the report, the requests, the summary. */
async function send(config: RunConfig, io: RunIo, run: Sending): Promise<RunSummary> {
  const { control, files, check } = run;
  const encoder = reportEncoder(config.reportKind, check.layout);
  const stats: RunStats = { requests: 0, retries: 0, rateLimited: 0, splitRequests: 0 };
  // Before any file is touched: a client or sandbox that cannot start leaves no unfinished run behind.
  const settle = config.dryRun ? undefined : await startSending(config, io, run, stats);
  // The state first: a state file that cannot be written leaves the report's files untouched.
  const recorder = run.state === undefined ? undefined : await run.state.file.openForRecording(run.state.binding, config.fullRefresh);
  let report: OrderedReport;
  let carried: CarriedRecords | undefined;
  try {
    carried = await prepareReportFiles(config, run, encoder.header());
    const maxHeld = Math.max(MIN_HELD_RECORDS, 2 * config.concurrency * config.batchSize);
    report = files === undefined ? OrderedReport.toStdout(encoder, io.stdout, maxHeld) : await OrderedReport.toFile(files, encoder, maxHeld);
  } catch (error) {
    await recorder?.abandon();
    throw error;
  }
  const tally = new Tally();
  const outcomes = new Outcomes(report, tally, recorder);
  const progress = new Progress(
    progressMode(config.progress, io.stderr, io.env),
    io.stderr,
    () => ({
      rowsDone: tally.done,
      rowsTotal: check.rows,
      counts: tally.counts,
      requests: stats.requests,
      carried: tally.carried,
      stopped: control.stopReason?.kind,
    }),
    `addlist ${config.spec.name} → ${config.target}`,
  );
  await progress.start();
  let outcome: { batches: number };
  try {
    outcome = await upload({
      spool: check.spool,
      batchSize: config.batchSize,
      maxBatchBytes: check.driver.maxBatchBytes,
      concurrency: config.concurrency,
      send: settle,
      control,
      report,
      outcomes,
      carried,
    });
  } catch (error) {
    progress.stop();
    // What was settled stays in the report's files, so that --resume can finish the job.
    await Promise.all([report.abandon(), recorder?.abandon()]);
    const where = files === undefined ? "" : `; what was settled is in ${files.part}, and --resume continues from it`;
    if (error instanceof AddlistError) throw new AddlistError(`${error.message}${where}`, error.code, error.exitCode, { cause: error });
    throw new AddlistError(`internal error: ${describeError(error)}${where}`, "internal", ExitCode.internal, { cause: error });
  }
  progress.stop();
  // Abandoned (a second Ctrl-C) before every row had its record: the report stays in its files.
  const reportAt = await closeReport(report.rowsWritten === check.rows, report, recorder, files, config, io);
  return summarise(config, run, tally, stats, outcome, reportAt);
}

/**
 * Before the report is written: on `--resume`, what earlier runs settled is gathered to be
 * carried over; otherwise an unfinished run's files make way. Returns the carried records.
 */
async function prepareReportFiles(config: RunConfig, run: Sending, header: string): Promise<CarriedRecords | undefined> {
  const files = run.files;
  if (files === undefined) return undefined;
  let carried: CarriedRecords | undefined;
  if (run.earlier !== undefined && run.resume !== undefined) {
    await gatherCarried(run.earlier, run.resume, files, config.reportKind, header);
    carried = new CarriedRecords(files.carried, config.reportKind);
  } else await clearLeftovers(files);
  await writeRunRecord(files.runRecord, { driver: config.spec.name, target: config.target, dryRun: config.dryRun });
  return carried;
}

/** Puts the finished report in place; an abandoned run leaves its files for `--resume`. */
async function closeReport(
  complete: boolean,
  report: OrderedReport,
  recorder: StateRecorder | undefined,
  files: ReportFiles | undefined,
  config: RunConfig,
  io: RunIo,
): Promise<string> {
  try {
    await recorder?.finish();
  } catch (error) {
    await report.abandon(); // the report's files stay for --resume
    throw error;
  }
  if (complete) {
    await report.finish();
    return config.report;
  }
  await report.abandon();
  if (files === undefined) {
    io.stderr.write("the report on standard output is incomplete: rows it does not show as settled were not (--resume needs a --report file)\n");
    return config.report;
  }
  io.stderr.write(`the report is incomplete (${files.part}): run the same command with --resume to finish\n`);
  return files.part;
}

function summarise(config: RunConfig, run: Sending, tally: Tally, stats: RunStats, outcome: { batches: number }, reportAt: string): RunSummary {
  const stop = run.control.stopReason;
  return {
    driver: config.spec.name,
    target: config.target,
    dry_run: config.dryRun,
    rows: run.check.rows,
    counts: tally.counts,
    requests: config.dryRun ? outcome.batches : stats.requests,
    retries: stats.retries,
    elapsed_ms: Date.now() - run.started,
    report: reportAt,
    exit_code: exitCodeFor(tally.counts, stop, config.maxBadRows, run.check.rows),
    ...(stop?.kind === "quota" ? { resume_after: new Date(stop.resumeAt).toISOString() } : {}),
    reasons: tally.reasons(),
    rate_limited: stats.rateLimited,
    split_requests: stats.splitRequests,
    ...(config.state === undefined ? {} : { state: config.state }),
    ...(stop === undefined
      ? {}
      : { stopped: { reason: stop.kind, message: stopMessage(stop), ...(stop.kind === "provider" && stop.cause !== undefined ? { cause: stop.cause } : {}) } }),
  };
}

/** Everything sending needs: the endpoint (the embedded sandbox's, with `--sandbox`), credentials, client and throttle. */
async function startSending(config: RunConfig, io: RunIo, run: Sending, stats: RunStats): Promise<SettleContext> {
  let base = config.baseUrl;
  let credentials = config.credentials;
  if (config.sandbox) {
    const { startSandbox } = await import("./sandbox/server.js");
    const sandbox = await startSandbox({ drivers: [config.spec] });
    run.held.sandbox = sandbox;
    // The sandbox's own address and obviously fake credentials: the real ones are never sent to it.
    const env = sandbox.env();
    credentials = readCredentials(config.spec, env);
    base = resolveBaseUrl(config.spec, undefined, env, credentials);
  }
  if (base === undefined || credentials === undefined) throw new Error("credentials and base URL are resolved for every run that sends");
  const redactor = new Redactor();
  const auth = credentials.scheme.create(credentials.values, { timeoutMs: config.timeoutMs, redactor });
  const { HttpClient } = await (run.http ?? import("./http/client.js"));
  const client = new HttpClient(base.origin, {
    connections: config.concurrency,
    timeoutMs: config.timeoutMs,
    maxBodyBytes: MAX_ANSWER_BYTES,
    scrub: (text) => redactor.scrub(text),
  });
  run.held.client = client;
  return {
    driver: run.check.driver,
    client,
    basePath: base.pathname.replace(/\/+$/, ""),
    auth,
    throttle: new Throttle({
      concurrency: config.concurrency,
      ratePerSecond: config.rate,
      maxWaitMs: config.maxWaitMs,
      clock: systemClock,
      hints: config.spec.provider.rateLimit,
    }),
    control: run.control,
    clock: systemClock,
    policy: retryPolicy(config.retries),
    stats,
    capacity: new CapacityWatch<PendingRow>(),
    trace: config.verbose ? (event) => io.stderr.write(traceLine(event)) : undefined,
  };
}

/** The input; a file that is not there while the target is one suggests the two were swapped. */
async function openInput(config: RunConfig, io: RunIo): Promise<InputSource> {
  try {
    return await openInputSource(config.input, io.stdin);
  } catch (error) {
    if (error instanceof InputError && error.code === "input_unreadable" && existsSync(config.target)) {
      throw new InputError(
        `${error.message} (${config.target} is a file: did you give the file before the target? addlist ${config.spec.name} <target-id> <input>)`,
        error.code,
      );
    }
    throw error;
  }
}

/** Standard input with no rows, while the target names a file: the target was left out (as cron would not tell). */
function refuseMissingTarget(config: RunConfig, rows: number): void {
  const fromStdin = config.input === undefined || config.input === "-";
  if (!fromStdin || rows > 0 || statSync(config.target, { throwIfNoEntry: false })?.isFile() !== true) return;
  throw new UsageError(
    `standard input holds no rows, and the target ${config.target} is a file: was the target left out? addlist ${config.spec.name} <target-id> ${config.target}`,
    "target_missing",
  );
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
  handleSignalsFromHere(); // after: see handleSignalsFromHere
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
