// Preloaded into the measured CLI process (NODE_OPTIONS=--require …): at exit, writes the
// process's peak resident set size in KiB to the file named by ADDLIST_BENCH_RSS_FILE.
const { writeFileSync } = require("node:fs");

const target = process.env.ADDLIST_BENCH_RSS_FILE;
if (target) process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
