import { PassThrough, Readable } from "node:stream";
import { runCli } from "../../src/commands.js";
import type { DriverSpec } from "../../src/drivers/types.js";

/**
 * Runs the command line in this process with the given drivers, as `bin/addlist` runs it
 * with the registry's: for drivers that exist only in a test.
 */
export async function runInProcess(
  argv: readonly string[],
  drivers: readonly DriverSpec[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough().setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const err = new PassThrough().setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const stdin = Readable.from([]);
  const code = await runCli(argv, { drivers, io: { stdout: out, stderr: err as unknown as NodeJS.WriteStream, stdin, env: { ...env, CI: "true" } } });
  return { code, stdout, stderr };
}
