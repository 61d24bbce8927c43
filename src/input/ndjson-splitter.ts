import type { JsonElement } from "./json-array.js";
import { JsonRecordError, parseJsonRecord } from "./json-value.js";

/** One JSON value per line; blank lines are skipped; the last line may lack its newline. */
export class NdjsonSplitter {
  private pending = "";
  private line = 1;

  constructor(private readonly maxLineChars: number) {}

  get nextLine(): number {
    let line = this.line;
    for (let i = this.pending.indexOf("\n"); i !== -1; i = this.pending.indexOf("\n", i + 1)) line++;
    return line;
  }

  push(text: string, out: JsonElement[]): void {
    const s = this.pending.length > 0 ? this.pending + text : text;
    let start = 0;
    for (let nl = s.indexOf("\n"); nl !== -1; nl = s.indexOf("\n", start)) {
      this.takeLine(s.slice(start, nl), out, false);
      start = nl + 1;
    }
    this.pending = s.slice(start);
    if (this.pending.length > this.maxLineChars) {
      throw new JsonRecordError(`line ${this.line}: a line is longer than ${this.maxLineChars} characters`, this.line, "record_too_large");
    }
  }

  end(out: JsonElement[]): void {
    if (this.pending.length > 0) this.takeLine(this.pending, out, true);
    this.pending = "";
  }

  private takeLine(text: string, out: JsonElement[], last: boolean): void {
    const line = this.line++;
    if (text.length > this.maxLineChars) {
      throw new JsonRecordError(`line ${line}: a line is longer than ${this.maxLineChars} characters`, line, "record_too_large");
    }
    if (text.trim().length === 0) return;
    const what = last ? "the last line (cut short?)" : "the line";
    out.push({ line, value: parseJsonRecord(text, line, what) });
  }
}
