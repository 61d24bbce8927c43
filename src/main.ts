import { version } from "./version.js";

// `--version` answers before anything heavy is loaded: scripts call it to probe for the tool.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  const { runCli } = await import("./commands.js");
  process.exitCode = await runCli(argv);
}
