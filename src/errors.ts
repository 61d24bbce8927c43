/** Exit codes of the command-line contract. */
export const ExitCode = {
  ok: 0,
  rowsUnsettled: 1,
  usage: 2,
  stopped: 3,
  quota: 4,
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A run-level failure with a stable `code` and the exit code it maps to. Row outcomes are
 * never errors: they are data written to the report.
 */
export class AddlistError extends Error {
  override name = "AddlistError";
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad option, a missing credential, a report in the way: nothing was read or sent. */
export class UsageError extends AddlistError {
  override name = "UsageError";
  constructor(message: string, code = "usage", options?: { cause?: unknown }) {
    super(message, code, ExitCode.usage, options);
  }
}

/** The input cannot be used as it is; `line` is the physical line where known. Nothing was sent. */
export class InputError extends AddlistError {
  override name = "InputError";
  constructor(
    message: string,
    code: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(message, code, ExitCode.usage, options);
  }
}

/** The error's message, for anything thrown, without a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
