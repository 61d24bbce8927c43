import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/addlist", import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to a clean environment: tests never inherit real credentials. */
  env?: Record<string, string>;
  stdin?: string | Buffer;
  timeoutMs?: number;
}

/** Spawns the built CLI as a user would, and collects what it prints. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const child = startCli(args, options);
  return child.done;
}

export interface StartedCli {
  pid: number;
  done: Promise<CliRun>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once stderr contains the text. */
  waitForStderr(text: string | RegExp): Promise<void>;
}

export function startCli(args: readonly string[], options: CliOptions): StartedCli {
  const child = spawn(BIN, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: options.cwd, CI: "true", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const stderrWaiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const waiter of stderrWaiters.splice(0)) {
      if (waiter.test(stderr)) waiter.resolve();
      else stderrWaiters.push(waiter);
    }
  });
  child.stdin.on("error", () => {});
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  else child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<CliRun>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: child.pid ?? -1,
    done,
    kill: (signal) => child.kill(signal),
    waitForStderr: (text) =>
      new Promise((resolve) => {
        const test = (s: string): boolean => (typeof text === "string" ? s.includes(text) : text.test(s));
        if (test(stderr)) resolve();
        else stderrWaiters.push({ test, resolve });
      }),
  };
}
