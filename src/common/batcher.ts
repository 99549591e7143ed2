interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Turns many single calls into few batched ones: what callers submit within one turn of the event loop (or
 * within `lingerMs` of the first) — or while `parallel` batches are already running — goes into the next
 * batch (at most `maxBatch` inputs), and each caller gets its own output. Under load (many email or webhook
 * deliveries at once) one statement serves many jobs; alone, a call waits a single turn (or the linger). A
 * failing batch fails every call in it, as each would have alone.
 */
export class Batcher<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private readonly running = new Set<Promise<void>>();
  /** The pending start of the next batch (a timer with a linger, else an immediate), cancelled by drain. */
  private scheduled: { cancel(): void } | null = null;

  constructor(
    /** Runs one batch; must return one output per input, in order. */
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxBatch = 100,
    private readonly parallel = 2,
    /**
     * How long the first call of a batch waits for others (ms; 0: one turn). For calls that trickle in (one
     * per finished SMTP send, say) a few milliseconds turn one statement per call or two into one per many;
     * a full batch does not wait.
     */
    private readonly lingerMs = 0,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.lingerMs > 0 && this.waiting.length >= this.maxBatch) {
        this.pump();
      } else if (!this.scheduled) {
        const flush = () => {
          this.scheduled = null;
          this.pump();
        };
        if (this.lingerMs > 0) {
          const timer = setTimeout(flush, this.lingerMs);
          this.scheduled = { cancel: () => clearTimeout(timer) };
        } else {
          const immediate = setImmediate(flush);
          this.scheduled = { cancel: () => clearImmediate(immediate) };
        }
      }
    });
  }

  /**
   * Runs what is waiting now, without lingering, and resolves once no call is left waiting or running
   * (at shutdown: every submitted call has its output).
   */
  async drain(): Promise<void> {
    this.scheduled?.cancel();
    this.scheduled = null;
    for (;;) {
      this.pump();
      if (!this.running.size) return;
      await Promise.all(this.running);
    }
  }

  private pump(): void {
    while (this.running.size < this.parallel && this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      const run: Promise<void> = this.runBatch(batch).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((w) => w.input));
      if (outputs.length !== batch.length) throw new Error(`batch returned ${outputs.length} outputs for ${batch.length} inputs`);
      batch.forEach((w, i) => w.resolve(outputs[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
