/**
 * Runs batches with at most `limit` in progress; `submit` waits for a free place, which
 * is what holds the input reader back (memory stays bounded by the batches in progress).
 * A task that throws (a bug, or the report failing) is fatal: it is re-thrown to the reader.
 */
export class Dispatcher<T> {
  private active = 0;
  /** Woken one at a time as tasks finish. */
  private waiters: (() => void)[] = [];
  private fatal: { error: unknown } | undefined;

  constructor(
    private readonly limit: number,
    private readonly task: (item: T) => Promise<void>,
  ) {}

  async submit(item: T): Promise<void> {
    while (this.active >= this.limit) await this.taskFinished();
    this.throwIfFatal();
    this.active++;
    this.task(item)
      .catch((error: unknown) => {
        this.fatal ??= { error };
      })
      .finally(() => {
        this.active--;
        this.waiters.shift()?.();
      });
  }

  async drain(): Promise<void> {
    while (this.active > 0) await this.taskFinished();
    this.throwIfFatal();
  }

  get idle(): boolean {
    return this.active === 0;
  }

  /** Resolves when a task in progress finishes. */
  taskFinished(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal.error;
  }
}
