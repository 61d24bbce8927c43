/**
 * Just enough of HTTP structured fields (RFC 8941) to read rate-limit headers: a list or
 * dictionary of members, each a bare item (number, "string" or token) with `;key=value`
 * parameters. Tolerant: a member it cannot make sense of comes out with no value, and
 * the caller skips it, so one odd member does not hide the others.
 */
export type FieldValue = string | number;

export interface FieldMember {
  /** The dictionary key (`remaining=5`), when the member has one. */
  key: string | undefined;
  value: FieldValue | undefined;
  params: ReadonlyMap<string, FieldValue>;
}

export function parseStructuredField(text: string): FieldMember[] {
  return splitOutsideQuotes(text, ",").flatMap((raw) => {
    const [item = "", ...params] = splitOutsideQuotes(raw, ";");
    if (item === "") return [];
    return [{ ...keyedItem(item), params: new Map(params.flatMap(parameter)) }];
  });
}

/** `key=value`, `"string"`, a number or a token. */
function keyedItem(item: string): { key: string | undefined; value: FieldValue | undefined } {
  const keyed = /^([a-z*][a-z0-9_.*-]*)=(.*)$/.exec(item);
  if (keyed === null) return { key: undefined, value: bareItem(item) };
  return { key: keyed[1], value: bareItem(keyed[2] ?? "") };
}

function parameter(text: string): [string, FieldValue][] {
  const equals = text.indexOf("=");
  if (equals < 0) return text === "" ? [] : [[text, 1]]; // a bare key is boolean true
  const value = bareItem(text.slice(equals + 1));
  return value === undefined ? [] : [[text.slice(0, equals).trim(), value]];
}

function bareItem(text: string): FieldValue | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('"')) return trimmed.endsWith('"') && trimmed.length > 1 ? trimmed.slice(1, -1).replace(/\\(.)/g, "$1") : undefined;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return /^[A-Za-z*][\w!#$%&'*+.^`|~:/-]*$/.test(trimmed) ? trimmed : undefined;
}

/** Splits at `separator` where it is not inside a quoted string, trimming each piece. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\" && quoted) i++;
    else if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      pieces.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  pieces.push(text.slice(start).trim());
  return pieces;
}
