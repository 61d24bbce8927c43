/** Room left in a request body for everything but the items (braces, field names, options). */
const BODY_OVERHEAD = 1024;

/** Groups rows into batches of at most `maxRows` rows and about `maxBytes` bytes of body. */
export class Batcher<T> {
  private rows: T[] = [];
  private bytes = BODY_OVERHEAD;

  constructor(
    private readonly maxRows: number,
    private readonly maxBytes: number,
    private readonly itemOf: (row: T) => string,
  ) {}

  /** Adds a row; returns a batch when one is complete. */
  add(row: T): T[] | undefined {
    const size = Buffer.byteLength(this.itemOf(row)) + 1;
    let full: T[] | undefined;
    if (this.rows.length > 0 && this.bytes + size > this.maxBytes) full = this.take();
    this.rows.push(row);
    this.bytes += size;
    if (this.rows.length >= this.maxRows) return full ?? this.take();
    return full;
  }

  /** The last, partial batch, if any. */
  flush(): T[] | undefined {
    return this.rows.length > 0 ? this.take() : undefined;
  }

  private take(): T[] {
    const batch = this.rows;
    this.rows = [];
    this.bytes = BODY_OVERHEAD;
    return batch;
  }
}
