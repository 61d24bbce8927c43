/**
 * Incremental RFC 4180 tokenizer. Text arrives in chunks; complete records come out with
 * the physical line they start on. It is strict where a broken file would lose rows
 * (unclosed quotes, ragged records, runaway records) and lenient where files in the wild
 * differ harmlessly: `\n`, `\r\n` and `\r` all end a record, even mixed in one file; empty
 * lines are skipped; a quote inside an unquoted field is a literal character.
 *
 * Written by hand because the common case must cost little: a line without quotes is cut
 * with native `indexOf`/`split`, which is several times faster than a general parser.
 */
/** Receives each record with the physical line (1-based) it starts on. */
export type CsvEmit = (line: number, fields: string[]) => void;

export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
  constructor(
    message: string,
    readonly line: number,
    readonly code: "unclosed_quote" | "bad_quote" | "ragged_record" | "record_too_large",
  ) {
    super(message);
  }
}

export interface CsvTokenizerOptions {
  /** One character. */
  delimiter: string;
  /** A record longer than this (in characters) is refused: it bounds memory on hostile input. */
  maxRecordChars: number;
  /**
   * Check and count records without cutting out their fields (a first pass that only
   * needs the structure): records after the first are emitted with no fields.
   */
  countOnly?: boolean;
}

const NO_FIELDS: string[] = [];

const QUOTE = 34;
const LF = 10;
const CR = 13;

interface SlowRecord {
  fields: string[];
  next: number;
  breaks: number;
  empty: boolean;
}

export class CsvTokenizer {
  private pending = "";
  /** Line on which `pending` starts. */
  private line = 1;
  /** Fields per record, set by the first record (the header, when there is one). */
  private width = -1;
  private readonly delimiterCode: number;

  constructor(private readonly options: CsvTokenizerOptions) {
    if (options.delimiter.length !== 1) throw new Error("the CSV delimiter must be one character");
    this.delimiterCode = options.delimiter.charCodeAt(0);
  }

  /** Line on which the next character to be pushed will stand. */
  get nextLine(): number {
    return this.line + countLineBreaks(this.pending, 0, this.pending.length);
  }

  push(text: string, emit: CsvEmit): void {
    this.pending = this.pending.length > 0 ? this.pending + text : text;
    this.consume(emit, false);
  }

  end(emit: CsvEmit): void {
    this.consume(emit, true);
  }

  private consume(emit: CsvEmit, eof: boolean): void {
    const s = this.pending;
    const n = s.length;
    const { delimiter, maxRecordChars } = this.options;
    let pos = 0;
    // Positions of the next quote / CR / delimiter at or after `pos`, cached so each
    // search is done once (a search from every line would rescan the chunk's rest).
    let nextQuote = -1;
    let nextCr = -1;
    let nextDelimiter = -1;
    while (pos < n) {
      if (nextQuote < pos) nextQuote = indexOrEnd(s, '"', pos);
      if (nextCr < pos) nextCr = indexOrEnd(s, "\r", pos);
      const nl = s.indexOf("\n", pos);
      if (nl !== -1 && nextQuote > nl) {
        const end = nl > pos && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (nextCr >= end) {
          if (end - pos > maxRecordChars) throw this.tooLarge(this.line);
          if (end > pos) {
            if (this.options.countOnly === true && this.width !== -1) {
              let width = 1;
              if (nextDelimiter < pos) nextDelimiter = indexOrEnd(s, delimiter, pos);
              for (; nextDelimiter < end; nextDelimiter = indexOrEnd(s, delimiter, nextDelimiter + 1)) width++;
              this.emitCounted(emit, this.line, width);
            } else this.emit(emit, this.line, s.slice(pos, end).split(delimiter));
          }
          this.line++;
          pos = nl + 1;
          continue;
        }
      }
      const record = this.parseRecordAt(s, pos, eof);
      if (record === undefined) break;
      if (record.next - pos > maxRecordChars) throw this.tooLarge(this.line);
      if (!record.empty) this.emit(emit, this.line, record.fields);
      this.line += record.breaks;
      pos = record.next;
    }
    this.pending = pos < n ? s.slice(pos) : "";
    if (this.pending.length > maxRecordChars) throw this.tooLarge(this.line);
  }

  private emit(emit: CsvEmit, line: number, fields: string[]): void {
    if (this.width === -1) {
      this.width = fields.length;
      emit(line, fields);
      return;
    }
    this.checkWidth(line, fields.length);
    emit(line, this.options.countOnly === true ? NO_FIELDS : fields);
  }

  private emitCounted(emit: CsvEmit, line: number, width: number): void {
    this.checkWidth(line, width);
    emit(line, NO_FIELDS);
  }

  private checkWidth(line: number, width: number): void {
    if (width === this.width) return;
    throw new CsvSyntaxError(`line ${line}: expected ${this.width} ${plural(this.width, "field")} as in the first line, found ${width}`, line, "ragged_record");
  }

  /** The general path, for records with quotes or lone CRs; undefined when the text ends mid-record. */
  private parseRecordAt(s: string, start: number, eof: boolean): SlowRecord | undefined {
    const n = s.length;
    const fields: string[] = [];
    let quoted = false;
    let breaks = 0;
    let i = start;
    for (;;) {
      if (i < n && s.charCodeAt(i) === QUOTE) {
        quoted = true;
        const fieldLine = this.line + breaks;
        let value = "";
        let j = i + 1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q === -1) {
            if (!eof) return undefined;
            throw new CsvSyntaxError(`line ${fieldLine}: a quoted field is not closed before the end of the file`, fieldLine, "unclosed_quote");
          }
          value += s.slice(j, q);
          if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            j = q + 2;
            continue;
          }
          if (q + 1 === n && !eof) return undefined; // an escaped quote may follow in the next chunk
          breaks += countLineBreaks(s, i, q);
          i = q + 1;
          break;
        }
        fields.push(value);
        if (i === n) return eof ? { fields, next: n, breaks, empty: false } : undefined;
        const c = s.charCodeAt(i);
        if (c === this.delimiterCode) {
          i++;
          continue;
        }
        if (c === LF || c === CR) return endOfRecord(s, i, eof, fields, breaks, false);
        const line = this.line + breaks;
        throw new CsvSyntaxError(`line ${line}: unexpected character after a closing quote`, line, "bad_quote");
      }
      let k = i;
      while (k < n) {
        const c = s.charCodeAt(k);
        if (c === this.delimiterCode || c === LF || c === CR) break;
        k++;
      }
      fields.push(s.slice(i, k));
      if (k === n) return eof ? { fields, next: n, breaks, empty: isEmpty(fields, quoted) } : undefined;
      if (s.charCodeAt(k) === this.delimiterCode) {
        i = k + 1;
        continue;
      }
      return endOfRecord(s, k, eof, fields, breaks, isEmpty(fields, quoted));
    }
  }

  private tooLarge(line: number): CsvSyntaxError {
    return new CsvSyntaxError(
      `line ${line}: a record is longer than ${this.options.maxRecordChars} characters (is a quote left open?)`,
      line,
      "record_too_large",
    );
  }
}

/** The record ends at the line break at `at`; a CR at the very end must wait to see if LF follows. */
function endOfRecord(s: string, at: number, eof: boolean, fields: string[], breaks: number, empty: boolean): SlowRecord | undefined {
  if (s.charCodeAt(at) === LF) return { fields, next: at + 1, breaks: breaks + 1, empty };
  if (at + 1 < s.length) return { fields, next: s.charCodeAt(at + 1) === LF ? at + 2 : at + 1, breaks: breaks + 1, empty };
  return eof ? { fields, next: at + 1, breaks: breaks + 1, empty } : undefined;
}

function isEmpty(fields: string[], quoted: boolean): boolean {
  return !quoted && fields.length === 1 && fields[0] === "";
}

function indexOrEnd(s: string, char: string, from: number): number {
  const at = s.indexOf(char, from);
  return at === -1 ? s.length : at;
}

/** Line breaks in s[from, to): LF, CRLF and lone CR each count once. */
export function countLineBreaks(s: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR && s.charCodeAt(i + 1) !== LF) count++;
  }
  return count;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
