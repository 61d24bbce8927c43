import type { Ora } from "ora";
import { counted, duration, thousands } from "./format-numbers.js";
import { ROW_STATUSES, type StatusCounts } from "./row-result.js";

export interface ProgressSnapshot {
  rowsDone: number;
  rowsTotal: number;
  counts: StatusCounts;
  requests: number;
  /** Rows whose record was carried over from an earlier run. */
  carried: number;
  /** Why the run stopped early, if it did. */
  stopped?: string | undefined;
}

export type ProgressMode = "spinner" | "lines" | "off";

/** A live spinner line on a terminal; plain timestamped lines (no ANSI codes) otherwise or in CI. */
export function progressMode(enabled: boolean, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): ProgressMode {
  if (!enabled) return "off";
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false";
  // A terminal that reports no width (some pseudo-terminals) would make the spinner redraw forever.
  return stream.isTTY === true && !ci && (stream.columns ?? 0) > 0 ? "spinner" : "lines";
}

const SPINNER_EVERY_MS = 200;
const LINE_EVERY_MS = 10_000;

export class Progress {
  private spinner: Ora | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(
    private readonly mode: ProgressMode,
    private readonly stream: NodeJS.WriteStream,
    private readonly snapshot: () => ProgressSnapshot,
    private readonly label: string,
  ) {}

  async start(): Promise<void> {
    this.startedAt = Date.now();
    if (this.mode === "off") return;
    if (this.mode === "spinner") {
      // Loaded only for a terminal: it is the heaviest module, and CI or cron never shows it.
      const { default: ora } = await import("ora");
      this.spinner = ora({ text: this.label, stream: this.stream, discardStdin: false }).start();
      this.timer = setInterval(() => this.render(), SPINNER_EVERY_MS);
    } else {
      this.line(`${this.label}: started`);
      this.timer = setInterval(() => this.line(`${this.label}: ${this.describe()}`), LINE_EVERY_MS);
    }
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.spinner !== undefined) this.spinner.stop();
    else if (this.mode === "lines") this.line(`${this.label}: ${this.describe()}`);
    this.spinner = undefined;
  }

  private render(): void {
    if (this.spinner !== undefined) this.spinner.text = `${this.label} ${this.describe()}`;
  }

  private describe(): string {
    const now = this.snapshot();
    const elapsed = Math.max(1, Date.now() - this.startedAt);
    // Rows left unsent by a stop have a record, but were not done: the share and the pace say so.
    const done = now.rowsDone - now.counts.not_sent;
    // Rows carried over from an earlier run (`--resume`) come at once: they say nothing of the pace.
    const rate = ((done - now.carried) / elapsed) * 1000;
    const share = now.rowsTotal > 0 ? ` (${((done / now.rowsTotal) * 100).toFixed(1)}%)` : "";
    const left = now.rowsTotal - now.rowsDone;
    const eta = rate > 0 && left > 0 && now.stopped === undefined ? `, ETA ${duration((left / rate) * 1000)}` : "";
    const counts = ROW_STATUSES.filter((status) => now.counts[status] > 0)
      .map((status) => `${status} ${thousands(now.counts[status])}`)
      .join(", ");
    const stopped = now.stopped === undefined ? "" : `stopped (${now.stopped}) at `;
    return `${stopped}${thousands(done)}/${thousands(now.rowsTotal)} rows${share}, ${thousands(rate)} rows/s${eta}, ${counted(now.requests, "request")}${counts ? `; ${counts}` : ""}`;
  }

  private line(text: string): void {
    this.stream.write(`${new Date().toISOString()} ${text}\n`);
  }
}
