/**
 * Until a command installs its own handling, an interrupt ends the process at once with the
 * exit code a shell expects (130 for SIGINT, 143 for SIGTERM), nothing having been sent.
 */
const exitEarly = (signal: NodeJS.Signals): void => {
  process.stderr.write(`addlist: interrupted by ${signal} while starting; nothing was sent\n`);
  process.exit(signal === "SIGINT" ? 130 : 143);
};

export function exitEarlyOnSignals(): void {
  process.on("SIGINT", exitEarly);
  process.on("SIGTERM", exitEarly);
}

/**
 * Called by a command that handles signals itself, once its own listeners are on: a signal
 * that comes while no listener is on is lost (Node closes its signal watcher when the last
 * listener goes), and the process then neither stops nor exits.
 */
export function handleSignalsFromHere(): void {
  process.off("SIGINT", exitEarly);
  process.off("SIGTERM", exitEarly);
}
