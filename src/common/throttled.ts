/** Rate-limits a repeated log line (a Redis outage would otherwise log once per request). */
export function throttled<A extends unknown[] = [err: Error]>(intervalMs: number, log: (...args: A) => void): (...args: A) => void {
  let last = 0;
  return (...args) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(...args);
  };
}
