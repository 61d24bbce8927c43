import type { JsonEmit } from "./json-array.js";
import { JsonRecordError, parseJsonRecord } from "./json-value.js";

/**
 * One JSON value per line; blank lines are skipped; the last line may lack its newline.
 * Native `indexOf` and JSON.parse do the work: what is written here is only the line
 * numbering and the bounds, which no run-time dependency offers for NDJSON.
 */
export class NdjsonSplitter {
  private pending = "";
  private line = 1;

  constructor(private readonly maxLineChars: number) {}

  get nextLine(): number {
    let line = this.line;
    for (let i = this.pending.indexOf("\n"); i !== -1; i = this.pending.indexOf("\n", i + 1)) line++;
    return line;
  }

  push(text: string, emit: JsonEmit): void {
    const s = this.pending.length > 0 ? this.pending + text : text;
    let start = 0;
    for (let nl = s.indexOf("\n"); nl !== -1; nl = s.indexOf("\n", start)) {
      this.takeLine(s.slice(start, nl), emit, false);
      start = nl + 1;
    }
    this.pending = s.slice(start);
    if (this.pending.length > this.maxLineChars) {
      throw new JsonRecordError(`line ${this.line}: a line is longer than ${this.maxLineChars} characters`, this.line, "record_too_large");
    }
  }

  end(emit: JsonEmit): void {
    if (this.pending.length > 0) this.takeLine(this.pending, emit, true);
    this.pending = "";
  }

  private takeLine(text: string, emit: JsonEmit, last: boolean): void {
    const line = this.line++;
    if (text.length > this.maxLineChars) {
      throw new JsonRecordError(`line ${line}: a line is longer than ${this.maxLineChars} characters`, line, "record_too_large");
    }
    if (text.trim().length === 0) return;
    const what = last ? "the last line (cut short?)" : "the line";
    emit(line, parseJsonRecord(text, line, what));
  }
}
