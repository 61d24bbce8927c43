import { exitEarlyOnSignals } from "./early-signals.js";
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
  process.exitCode = await runCli(argv);
}
