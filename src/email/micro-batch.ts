/**
 * Coalesces calls made within a few milliseconds of each other into one call with all their keys: one
 * database round trip for many deliveries in flight (reading queued messages, recording them sent), instead
 * of one each. Each caller still gets its own result, or the batch's error. Results come back by position.
 */
export class MicroBatch<K, V> {
  private pending: { key: K; resolve: (value: V) => void; reject: (err: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    private readonly windowMs: number,
    private readonly maxSize = 100,
  ) {}

  call(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    this.run(batch.map((b) => b.key)).then(
      (values) => batch.forEach((b, i) => b.resolve(values[i])),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }
}
