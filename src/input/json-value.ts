/** Shared rules for a JSON or NDJSON record once its text is cut out of the stream. */
export class JsonRecordError extends Error {
  override name = "JsonRecordError";
  constructor(
    message: string,
    readonly line: number,
    readonly code: "bad_json" | "too_deep" | "record_too_large",
  ) {
    super(message);
  }
}

/** Deeper values are refused: rows are flat, and deep values would overflow JSON.stringify later. */
export const MAX_JSON_DEPTH = 32;

export function parseJsonRecord(text: string, line: number, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JsonRecordError(`line ${line}: ${what} is not valid JSON (${shorten(reason)})`, line, "bad_json");
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new JsonRecordError(`line ${line}: ${what} is nested deeper than ${MAX_JSON_DEPTH} levels`, line, "too_deep");
  }
  return value;
}

function depthExceeds(value: unknown, budget: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (budget === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (depthExceeds(child, budget - 1)) return true;
  }
  return false;
}

/** One line, not too long: JSON.parse's message can quote the text, line breaks and all. */
function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
