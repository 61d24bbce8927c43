/**
 * Runs batches with at most `limit` in progress; `submit` waits for a free place, which
 * is what holds the input reader back (memory stays bounded by the batches in progress).
 * A task that throws (a bug, or the report failing) is fatal: it is re-thrown to the reader.
 */
export class Dispatcher<T> {
  private active = 0;
  /**
   * All woken when a task finishes: each waiter checks its own condition again, and one
   * that has stopped waiting (a race lost to another event) must not swallow the wake-up.
   */
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
        for (const wake of this.waiters.splice(0)) wake();
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
