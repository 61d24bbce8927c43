import { exitEarlyOnSignals } from "./early-signals.js";
import { ExitCode } from "./errors.js";
import { version } from "./version.js";

exitEarlyOnSignals();

// `--version` answers before anything heavy is loaded: scripts call it to probe for the tool.
const argv = process.argv.slice(2);
// A reader that goes away (`addlist drivers | head -1`) ends the output, not the program with
// a stack trace. The report on standard output notes the failure on its own.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  const { runCli } = await import("./commands.js");
  // Should the command ever stop making progress with nothing left to wait for, Node would
  // exit 0: a cron job must not take that for success.
  let finished = false;
  process.once("beforeExit", () => {
    if (finished) return;
    process.stderr.write("addlist: internal error: the run stopped making progress before it ended\n");
    process.exitCode = ExitCode.internal;
  });
  const code = await runCli(argv);
  finished = true;
  // An interrupt ends the process even while a read cannot be cancelled (a FIFO that no
  // writer ever opens, a silent terminal). Standard error is written synchronously on Linux.
  if (code === ExitCode.sigint || code === ExitCode.sigterm) process.exit(code);
  process.exitCode = code;
}
