/**
 * Group commit: requests that arrive while `inFlight` groups are being written wait and are then
 * written together by the next group, up to `maxSize` (by `sizeOf`; a request is never split). An idle
 * system writes a request at once; under load one transaction (and one WAL flush) serves many
 * requests. Each request is answered with its own result once the group holding it has committed.
 * When a group fails, each of its requests is tried again on its own, so one request's problem does
 * not fail the others.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve(o: O): void; reject(err: unknown): void }[] = [];
  private running = 0;

  constructor(
    private readonly execute: (group: I[]) => Promise<O[]>,
    private readonly sizeOf: (item: I) => number,
    private readonly maxSize: number,
    private readonly inFlight: number,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.inFlight && this.queue.length) {
      const group = [this.queue.shift()!];
      let size = this.sizeOf(group[0].item);
      while (this.queue.length && size + this.sizeOf(this.queue[0].item) <= this.maxSize) {
        const next = this.queue.shift()!;
        size += this.sizeOf(next.item);
        group.push(next);
      }
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(group: GroupCommit<I, O>['queue']): Promise<void> {
    try {
      const results = await this.execute(group.map((p) => p.item));
      group.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      if (group.length === 1) return group[0].reject(err);
      for (const p of group) await this.execute([p.item]).then((r) => p.resolve(r[0]), p.reject);
    }
  }
}
