import { setFlagsFromString } from "node:v8";
import { version } from "./version.js";

// `--version` answers before anything heavy is loaded: scripts call it to probe for the tool.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  // Memory stays flat only if V8 is told so. undici parses HTTP with WebAssembly:
  // optimising that module with TurboFan costs about 35 MB at the first request and gains
  // nothing on answers of a few hundred bytes, so the baseline compiler does (this must be
  // set before undici compiles it). And the old generation is collected when it has grown
  // by 10% instead of V8's default of letting it double when collection looks cheap: the
  // live heap is small, but an upload turns over its memory fast.
  setFlagsFromString("--liftoff-only");
  setFlagsFromString("--heap-growing-percent=10");
  const { runCli } = await import("./commands.js");
  process.exitCode = await runCli(argv);
}
