/**
 * Writes a log line that would otherwise repeat (a backing service down makes every reconnect attempt, tick
 * or request fail the same way) at most once per interval, with how many were left out since the last one.
 */
export class RepeatedLog<F extends object> {
  private last = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly write: (fields: F & { suppressed: number }) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  report(fields: F): void {
    const at = this.now();
    if (at - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.last = at;
    this.write({ ...fields, suppressed: this.suppressed });
    this.suppressed = 0;
  }
}
