import { InputError } from "../errors.js";
import { isObject } from "../rows/columns.js";

/** Keys named in the message; an API dump may have many more. */
const KEYS_SHOWN = 10;

/**
 * The refusal of a JSON document that is one object, not an array of rows (an API dump such
 * as `{"data": [...]}`, or a pretty-printed object): it names the keys found, and shows how
 * to take the rows out of the key that holds an array.
 */
function notAnArray(name: string, keys: readonly string[], arrayKey: string | undefined): InputError {
  const shown = keys.slice(0, KEYS_SHOWN).map((key) => JSON.stringify(key));
  const listed = shown.length === 0 ? "no keys" : `keys ${shown.join(", ")}${keys.length > KEYS_SHOWN ? ", ..." : ""}`;
  const path = arrayKey === undefined ? undefined : /^[A-Za-z_][A-Za-z0-9_]*$/.test(arrayKey) ? `.${arrayKey}` : `.[${JSON.stringify(arrayKey)}]`;
  const file = name === "stdin" ? "" : ` ${shellQuoted(name)}`;
  const how =
    path === undefined
      ? "addlist reads a JSON array of rows, or NDJSON (one object per line)"
      : `to load the rows under ${JSON.stringify(arrayKey)}: jq '${path}'${file} > rows.json`;
  return new InputError(`${name}: line 1: expected a JSON array of rows, found one JSON object (${listed}); ${how}`, "not_an_array", 1);
}

/** The refusal for an object already parsed (one line of JSON). */
export function objectNotAnArray(name: string, value: unknown): InputError {
  const object = isObject(value) ? value : {};
  const keys = Object.keys(object);
  return notAnArray(
    name,
    keys,
    keys.find((key) => Array.isArray(object[key])),
  );
}

/**
 * Lists the top-level keys of a JSON document that starts with `{` (and which of them holds
 * an array) from its first part, `head`: a dump can be gigabytes, and its keys come early.
 */
export function describeObjectDocument(name: string, head: string): InputError {
  const keys: string[] = [];
  let arrayKey: string | undefined;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let text = "";
  /** A string just closed at the top level: a key if a colon follows. */
  let lastString: string | undefined;
  let afterColon = false;
  for (const char of head) {
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') {
        inString = false;
        if (depth === 1) lastString = text;
        continue;
      }
      if (depth === 1) text += char;
      continue;
    }
    if (char === " " || char === "\n" || char === "\r" || char === "\t") continue;
    if (afterColon && char === "[") arrayKey ??= keys[keys.length - 1];
    afterColon = char === ":" && depth === 1 && lastString !== undefined;
    if (afterColon && lastString !== undefined) keys.push(lastString);
    lastString = undefined;
    if (char === '"') {
      inString = true;
      text = "";
    } else if (char === "{" || char === "[") depth++;
    else if ((char === "}" || char === "]") && --depth === 0) break;
  }
  return notAnArray(name, keys, arrayKey);
}

function shellQuoted(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
