// addlist benchmark: `npm run bench` (or `node bench/run.js [--quick] [--only rate,latency] [--out file.json]`).
// Starts its own sandbox processes on loopback, generates its inputs, and measures in one
// run: addlist against a bare undici floor, latency-bound efficiency, use of a rate limit,
// peak memory, and start-up time. Prints a table and writes the figures as JSON.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(root, "bin", "addlist");
const quick = process.argv.includes("--quick");
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : join(root, "bench", "results", "latest.json");

const SIZES = quick
  ? { overhead: 20_000, latency: 4_000, latencyMs: 20, rate: 1_000, rateLimit: 50, memory: [20_000, 40_000], startupRuns: 3, repeats: 1 }
  : { overhead: 1_000_000, latency: 200_000, latencyMs: 50, rate: 100_000, rateLimit: 50, memory: [1_000_000, 5_000_000], startupRuns: 10, repeats: 3 };

const work = mkdtempSync(join(tmpdir(), "addlist-bench-"));
const BATCH = 100;

/**
 * The limiter shapes of section 3, each at SIZES.rateLimit requests per second (the fixed
 * windows: twice that per 2 s). The first five are the targets; the others show the rest.
 */
const BUCKET = ["--limiter", "bucket", "--burst", "10"];
const RATE_SHAPES = [
  { id: "bucket-retry-after", label: "token bucket (burst 10), Retry-After: 1", flags: [...BUCKET, "--rate-limit-style", "retry-after"] },
  { id: "bucket-headers", label: "token bucket (burst 10), X-RateLimit-*", flags: [...BUCKET, "--rate-limit-style", "headers"] },
  { id: "fixed-2s-headers", label: "fixed 2 s windows, X-RateLimit-*", windowS: 2, flags: ["--rate-limit-style", "headers"] },
  {
    id: "sliding-headers",
    label: "sliding window, X-RateLimit-* (Reset a delay)",
    flags: ["--limiter", "sliding", "--rate-limit-style", "headers", "--reset-format", "delay"],
  },
  { id: "ietf-bucket", label: "IETF RateLimit + RateLimit-Policy (token bucket)", flags: [...BUCKET, "--rate-limit-style", "ietf"] },
  { id: "fixed-1s-retry-after", label: "fixed 1 s windows, Retry-After", flags: ["--rate-limit-style", "retry-after"] },
  {
    id: "bucket-1-headers",
    label: "token bucket with no burst (1), X-RateLimit-*",
    flags: ["--limiter", "bucket", "--burst", "1", "--rate-limit-style", "headers"],
  },
  {
    id: "sliding-retry-after-date",
    label: "sliding window, Retry-After as a date",
    flags: ["--limiter", "sliding", "--rate-limit-style", "retry-after", "--retry-after-format", "date"],
  },
  {
    id: "ietf-legacy-sliding",
    label: "IETF RateLimit-Limit/-Remaining/-Reset (sliding)",
    flags: ["--limiter", "sliding", "--rate-limit-style", "ietf-legacy"],
  },
  {
    id: "fixed-2s-headers-skew",
    label: "fixed 2 s windows, X-RateLimit-*, server clock +30 s",
    windowS: 2,
    flags: ["--rate-limit-style", "headers", "--clock-skew", "30"],
  },
];

const SECTIONS = ["overhead", "latency", "rate", "memory", "incremental", "startup"];
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1].split(",") : SECTIONS;
const unknown = only.filter((name) => !SECTIONS.includes(name));
if (unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${SECTIONS.join(", ")}; got ${unknown.join(", ")}`);

try {
  const results = {};
  log(
    `addlist benchmark${quick ? " (quick)" : ""}: Node ${process.version}, scratch ${work}${only.length < SECTIONS.length ? `, only ${only.join(", ")}` : ""}`,
  );
  if (only.includes("overhead")) results.overhead = await overhead();
  if (only.includes("latency")) results.latency = await latencyBound();
  if (only.includes("rate")) results.rate_limited = await rateLimited();
  if (only.includes("memory")) results.memory = await memory(results.overhead);
  if (only.includes("incremental")) results.incremental = await incremental();
  if (only.includes("startup")) results.startup = await startup();

  printTable(results);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, quick, results }, null, 2)}\n`);
  log(`figures written to ${outFile}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** 1. Overhead against the floor, 0 ms latency, concurrency 8. */
async function overhead() {
  const input = await uuidFile("overhead.csv", SIZES.overhead);
  const bodies = batchBodies(input, "overhead-bodies.ndjson");
  const floors = [];
  const runs = [];
  for (let i = 0; i < SIZES.repeats; i++) {
    floors.push(await withSandbox([], async (origin) => floor(origin, bodies, 8)));
    runs.push(await withSandbox([], async (origin) => addlist(origin, input, ["-p", "8"])));
  }
  rmSync(input);
  const floorMs = Math.min(...floors);
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  log(`overhead: floor ${round(floorMs)} ms, addlist ${round(best.wallMs)} ms`);
  return {
    rows: SIZES.overhead,
    floor_ms: round(floorMs),
    addlist_ms: round(best.wallMs),
    ratio: round(best.wallMs / floorMs, 3),
    rows_per_s: round(SIZES.overhead / (best.wallMs / 1000)),
    peak_rss_mb: round(best.peakRssKb / 1024, 1),
    runs_ms: { floor: floors.map((x) => round(x)), addlist: runs.map((r) => round(r.wallMs)) },
  };
}

/**
 * 2. Latency-bound: every answer takes latencyMs. Besides the wall time, the sandbox's
 * busy window (first request in to last answer out) shows how full the slots were while
 * sending, apart from the start-up and the check pass; the floor sends the same requests.
 */
async function latencyBound() {
  const input = await uuidFile("latency.csv", SIZES.latency);
  const bodies = batchBodies(input, "latency-bodies.ndjson");
  const latency = ["--latency", String(SIZES.latencyMs)];
  const { run, sendingMs } = await withSandbox(latency, async (origin) => {
    const run = await addlist(origin, input, ["-p", "8"]);
    const stats = await fetch(`${origin}/_sandbox/stats`).then((answer) => answer.json());
    return { run, sendingMs: Date.parse(stats.last_answer_at) - Date.parse(stats.first_request_at) };
  });
  const floorMs = await withSandbox(latency, (origin) => floor(origin, bodies, 8));
  rmSync(input);
  const idealMs = (Math.ceil(SIZES.latency / BATCH) / 8) * SIZES.latencyMs;
  log(`latency-bound: ideal ${round(idealMs)} ms, addlist ${round(run.wallMs)} ms (sending ${round(sendingMs)} ms), floor ${round(floorMs)} ms`);
  return {
    rows: SIZES.latency,
    latency_ms: SIZES.latencyMs,
    ideal_ms: round(idealMs),
    addlist_ms: round(run.wallMs),
    sending_ms: round(sendingMs),
    floor_ms: round(floorMs),
    efficiency: round(idealMs / run.wallMs, 3),
    sending_efficiency: round(idealMs / sendingMs, 3),
    floor_efficiency: round(idealMs / floorMs, 3),
  };
}

/** 3. Rate-limited: the use of the limit, and the share of 429s, for each limiter shape. */
async function rateLimited() {
  const input = await uuidFile("rate.csv", SIZES.rate);
  const results = {};
  for (const shape of RATE_SHAPES) {
    const windowS = shape.windowS ?? 1;
    const flags = ["--rate-limit", `${SIZES.rateLimit * windowS}/${windowS === 1 ? "" : windowS}s`, ...shape.flags];
    const run = await withSandbox(flags, (origin) => addlist(origin, input, ["-p", "16"]));
    const sent = run.summary.requests - run.summary.rate_limited;
    results[shape.id] = {
      label: shape.label,
      rows: SIZES.rate,
      limit_per_s: SIZES.rateLimit,
      requests: run.summary.requests,
      answered_429: run.summary.rate_limited,
      use_of_limit: round(sent / (run.wallMs / 1000) / SIZES.rateLimit, 3),
      share_429: round(run.summary.rate_limited / run.summary.requests, 3),
    };
    log(`rate-limited (${shape.label}): ${round(sent / (run.wallMs / 1000), 1)} requests/s, ${run.summary.rate_limited} answered 429`);
  }
  return results;
}

/** 4. Peak memory of the CLI process, dedupe on (the overhead run gives the first size when it ran). */
async function memory(overheadResult) {
  const results = {};
  for (const rows of SIZES.memory) {
    if (overheadResult !== undefined && rows === SIZES.overhead) {
      results[rows] = { peak_rss_mb: overheadResult.peak_rss_mb };
      continue;
    }
    const input = await uuidFile(`memory-${rows}.csv`, rows);
    const run = await withSandbox([], (origin) => addlist(origin, input, ["-p", "8"]));
    results[rows] = { peak_rss_mb: round(run.peakRssKb / 1024, 1), wall_ms: round(run.wallMs) };
    rmSync(input);
    log(`memory: ${rows} rows, peak RSS ${round(run.peakRssKb / 1024, 1)} MB`);
  }
  return results;
}

/**
 * 6. An incremental night: an export of SIZES.overhead rows of which 1% are new, against a
 * state file that holds the other 99% (as a nightly cron job with --state meets it).
 */
async function incremental() {
  const input = await uuidFile("export.csv", SIZES.overhead);
  const ids = readFileSync(input, "utf8").trimEnd().split("\n").slice(1);
  const fresh = Math.round(ids.length / 100);
  const result = await withSandbox([], async (origin) => {
    const state = join(work, "export.state");
    const binding = { driver: "leadlex-list", target: "bench-list", origin: new URL(origin).origin, key: "" };
    writeFileSync(state, `# addlist state ${JSON.stringify(binding)}\n${ids.slice(fresh).join("\n")}\n`);
    return addlist(origin, input, ["-p", "8", "--state", state]);
  });
  rmSync(input);
  const { requests, counts } = result.summary;
  log(`incremental: ${ids.length} rows, ${fresh} new: ${requests} requests, ${round(result.wallMs)} ms, peak RSS ${round(result.peakRssKb / 1024, 1)} MB`);
  return {
    rows: ids.length,
    new_rows: fresh,
    known: counts.known,
    added: counts.added,
    requests,
    wall_ms: round(result.wallMs),
    peak_rss_mb: round(result.peakRssKb / 1024, 1),
  };
}

/** 5. Start-up. */
async function startup() {
  const nodeMs = median(await repeat(SIZES.startupRuns, () => timed(process.execPath, ["-e", "0"])));
  const versionMs = median(await repeat(SIZES.startupRuns, () => timed(BIN, ["--version"])));
  return { node_ms: round(nodeMs, 1), addlist_version_ms: round(versionMs, 1), ratio: round(versionMs / nodeMs, 2) };
}

function printTable(r) {
  const [small, large] = SIZES.memory;
  const rows = [];
  if (r.overhead !== undefined) {
    rows.push([
      "overhead: addlist / floor wall time",
      `${r.overhead.ratio} (${r.overhead.addlist_ms} / ${r.overhead.floor_ms} ms)`,
      "≤ 2.0",
      r.overhead.ratio <= 2,
    ]);
    rows.push(["overhead: rows/s", String(r.overhead.rows_per_s), "", undefined]);
  }
  if (r.latency !== undefined)
    rows.push([
      "latency-bound: ideal / actual",
      `${r.latency.efficiency} (${r.latency.ideal_ms} / ${r.latency.addlist_ms} ms)`,
      "≥ 0.93",
      r.latency.efficiency >= 0.93,
    ]);
  if (r.latency !== undefined) {
    rows.push(["latency-bound: ideal / sending (first request to last answer)", `${r.latency.sending_efficiency} (${r.latency.sending_ms} ms)`, "", undefined]);
    rows.push(["latency-bound: ideal / floor (the same requests, nothing else)", `${r.latency.floor_efficiency} (${r.latency.floor_ms} ms)`, "", undefined]);
  }
  for (const x of Object.values(r.rate_limited ?? {})) {
    rows.push([
      `rate-limited, ${x.label}: use of limit, 429s`,
      `${x.use_of_limit}, ${(x.share_429 * 100).toFixed(1)}%`,
      "≥ 0.90, ≤ 3%",
      x.use_of_limit >= 0.9 && x.share_429 <= 0.03,
    ]);
  }
  if (r.memory !== undefined) {
    rows.push([`peak RSS at ${small.toLocaleString("en-US")} rows`, `${r.memory[small].peak_rss_mb} MB`, "≤ 192 MB", r.memory[small].peak_rss_mb <= 192]);
    rows.push([`peak RSS at ${large.toLocaleString("en-US")} rows`, `${r.memory[large].peak_rss_mb} MB`, "≤ 288 MB", r.memory[large].peak_rss_mb <= 288]);
  }
  if (r.incremental !== undefined) {
    const x = r.incremental;
    rows.push([
      `incremental: ${x.rows.toLocaleString("en-US")} rows, ${x.new_rows.toLocaleString("en-US")} new, full state`,
      `${x.requests} requests, ${x.wall_ms} ms, ${x.peak_rss_mb} MB`,
      `${Math.ceil(x.new_rows / BATCH)} requests`,
      x.requests === Math.ceil(x.new_rows / BATCH) && x.known === x.rows - x.new_rows,
    ]);
  }
  if (r.startup !== undefined)
    rows.push([
      "start-up: addlist --version / node -e 0",
      `${r.startup.ratio} (${r.startup.addlist_version_ms} / ${r.startup.node_ms} ms)`,
      "≤ 3",
      r.startup.ratio <= 3,
    ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => String(row[i]).length), ["figure", "measured", "target"][i].length));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`\n${line(["figure", "measured", "target", ""])}\n`);
  for (const [figure, measured, target, ok] of rows)
    process.stdout.write(`${line([figure, measured, target, ok === undefined ? "" : ok ? "met" : "MISSED"])}\n`);
  if (quick) process.stdout.write("(quick run: sizes are too small for the targets to mean anything)\n");
  process.stdout.write("\n");
}

/**
 * A CSV of `rows` random contact UUIDs, each starting with "c": the sandbox treats ids
 * starting with 00000000, badc0de or deadbeef specially, and at millions of rows a random
 * one now and then would.
 */
async function uuidFile(name, rows) {
  const path = join(work, name);
  const out = createWriteStream(path);
  out.write("contact_id\n");
  for (let i = 0; i < rows; i += 10_000) {
    let chunk = "";
    for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += `c${randomUUID().slice(1)}\n`;
    if (!out.write(chunk)) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve) => out.end(resolve));
  return path;
}

/** The request bodies addlist would send for the file, pre-built for the floor. */
function batchBodies(input, name) {
  const ids = readFileSync(input, "utf8").trimEnd().split("\n").slice(1);
  const lines = [];
  for (let i = 0; i < ids.length; i += BATCH) lines.push(JSON.stringify({ contact_ids: ids.slice(i, i + BATCH) }));
  const path = join(work, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** Runs `body` against a fresh sandbox process started with the flags. */
async function withSandbox(flags, body) {
  const child = spawn(BIN, ["sandbox", "--port", "0", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  const origin = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (found) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}): ${out}`)));
  });
  try {
    return await body(origin);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

async function floor(origin, bodies, concurrency) {
  const { stdout } = await run(process.execPath, [join(root, "bench", "floor.js"), origin, "/leadlex/v1/lists/floor/contacts", bodies, String(concurrency)]);
  return JSON.parse(stdout).ms;
}

/** One addlist run as a user would start it; wall time from spawn to exit, and its peak RSS. */
async function addlist(origin, input, extra) {
  const rssFile = join(work, `rss-${randomUUID()}`);
  const report = join(work, `report-${randomUUID()}.csv`);
  const env = {
    PATH: process.env.PATH,
    LEADLEX_API_KEY: "bench-key-not-a-secret",
    LEADLEX_BASE_URL: `${origin}/leadlex`,
    NODE_OPTIONS: `--require ${join(root, "bench", "peak-rss.cjs")}`,
    ADDLIST_BENCH_RSS_FILE: rssFile,
  };
  const started = performance.now();
  const { stdout, code } = await run(BIN, ["leadlex-list", "bench-list", input, "--json", "-q", "-o", report, ...extra], env);
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`addlist exited with ${code}: ${stdout}`);
  const summary = JSON.parse(stdout);
  const peakRssKb = Number(readFileSync(rssFile, "utf8"));
  rmSync(report, { force: true });
  return { wallMs, summary, peakRssKb };
}

function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ stdout, code }));
  });
}

async function timed(command, args) {
  const started = performance.now();
  await run(command, args);
  return performance.now() - started;
}

async function repeat(times, fn) {
  const values = [];
  for (let i = 0; i < times; i++) values.push(await fn());
  return values;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function log(message) {
  process.stderr.write(`${message}\n`);
}
