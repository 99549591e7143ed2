/** What the watchdog listens on and how it ends the process (the real process, unless a test gives others). */
export interface ShutdownWatchdogOptions {
  /** How long shutting down may take after a stop signal (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** Called once, just before exiting, so the reason is logged. */
  onTimeout: (timeoutMs: number) => void;
  /** Called once, when the first stop signal arrives (to log that the process is stopping). */
  onSignal?: (signal: NodeJS.Signals) => void;
  signals?: readonly NodeJS.Signals[];
  target?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
  exit?: (code: number) => void;
}

/**
 * Ends the process with exit code 1 when it has not finished shutting down `timeoutMs` after SIGTERM or
 * SIGINT. Nest closes the app on those signals and then exits; but a hook that waits on a server that does not
 * answer would keep a process that was told to stop running until something kills it. (BullMQ's graceful
 * worker close waits for Redis forever; LoggedWorker closes at once while Redis is unreachable, and this is
 * the backstop for whatever else may wait.) Cutting it short is safe: nothing here relies on a
 * clean stop (a send cut off mid-way is held and never re-sent, due steps and unstored hits are picked up again
 * from PostgreSQL and Redis). The timer does not keep the process alive, so a normal shutdown exits as before.
 * Returns a function that disarms it.
 */
export function armShutdownWatchdog(options: ShutdownWatchdogOptions): () => void {
  const target = options.target ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as const);
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (timer) return;
    options.onSignal?.(signal);
    timer = setTimeout(() => {
      options.onTimeout(options.timeoutMs);
      exit(1);
    }, options.timeoutMs);
    timer.unref();
  };
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) target.once(signal, listener);
  return () => {
    clearTimeout(timer);
    for (const [signal, listener] of listeners) target.removeListener(signal, listener);
  };
}
