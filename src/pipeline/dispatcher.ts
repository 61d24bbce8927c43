/**
 * Runs batches with at most `limit` in progress; `submit` waits for a free place, which
 * is what holds the input reader back (memory stays bounded by the batches in progress).
 * A task that throws (a bug, or the report failing) is fatal: it is re-thrown to the reader.
 */
export class Dispatcher<T> {
  private readonly running = new Set<Promise<void>>();
  private fatal: { error: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly task: (item: T) => Promise<void>,
  ) {}

  async submit(item: T): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwIfFatal();
    const done: Promise<void> = this.task(item)
      .catch((error: unknown) => {
        this.fatal ??= { error };
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.throwIfFatal();
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal.error;
  }
}
