import type { OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { TryAgainLater } from '../common/unavailable.js';
import type { MjmlOptions, MjmlOutcome } from './domain/template-compiler.js';

/** The thread's code: plain JavaScript, next to this file in src/ and in dist/ (see mjml-worker.mjs). */
const WORKER_ENTRY = new URL('./mjml-worker.mjs', import.meta.url);

/** How long one MJML call may take before its thread is stopped; the largest template allowed takes under a second. */
export const MJML_TIMEOUT_MS = 10_000;

export interface MjmlWorkerPoolOptions {
  /** Threads running MJML at once; more documents wait their turn. */
  threads: number;
  timeoutMs?: number;
}

/**
 * MJML could not be run: its thread died, took too long or was shut down. Not the template's fault (not a 422):
 * the request gets 503 with Retry-After, and the next compile gets a new thread.
 */
export class MjmlWorkerError extends TryAgainLater {
  override name = 'MjmlWorkerError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, 'The template could not be compiled right now (its compiler stopped or took too long). Try again shortly.', options);
  }
}

interface Job {
  id: number;
  mjml: string;
  options: MjmlOptions;
  resolve(outcome: MjmlOutcome): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  job: Job | null;
  timer?: NodeJS.Timeout;
}

/**
 * Runs MJML in worker threads, so compiling a template (up to 0.8 s of MJML at the size limit) does not hold the
 * event loop of the process, which also answers open pixels and click redirects. Threads start on the first
 * compile and stay (each holds MJML, about 55 MB); each runs one document at a time, the others wait in order.
 * A thread that dies, or takes longer than the timeout (it is then stopped), fails its document with a
 * MjmlWorkerError and is replaced by the next compile. An idle thread does not keep the process alive; shutting
 * down stops them all.
 */
export class MjmlWorkerPool implements OnApplicationShutdown {
  private readonly threads = new Set<Thread>();
  private readonly queue: Job[] = [];
  private readonly timeoutMs: number;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: MjmlWorkerPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? MJML_TIMEOUT_MS;
  }

  /** MJML's outcome for the document; rejects with a MjmlWorkerError when MJML could not be run. */
  run(mjml: string, options: MjmlOptions): Promise<MjmlOutcome> {
    if (this.closed) return Promise.reject(new MjmlWorkerError('template compiling has shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, mjml, options, resolve, reject });
      this.dispatch();
    });
  }

  /** The threads started and not stopped since (for tests and diagnostics). */
  runningThreads(): Worker[] {
    return [...this.threads].map((t) => t.worker);
  }

  /** Fails the documents not yet compiled and stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new MjmlWorkerError('template compiling has shut down');
    for (const job of this.queue.splice(0)) job.reject(closing);
    await Promise.all([...this.threads].map((t) => this.stop(t, closing)));
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let thread = [...this.threads].find((t) => t.job === null);
      if (!thread) {
        if (this.threads.size >= this.options.threads) return;
        try {
          thread = this.start();
        } catch (err) {
          this.queue.shift()!.reject(new MjmlWorkerError(`could not start an MJML thread: ${(err as Error).message}`, { cause: err }));
          continue;
        }
      }
      this.assign(thread, this.queue.shift()!);
    }
  }

  private start(): Thread {
    const worker = new Worker(WORKER_ENTRY);
    const thread: Thread = { worker, job: null };
    this.threads.add(thread);
    worker.unref(); // referenced only while it compiles
    worker.on('message', (message: { id: number; outcome: MjmlOutcome }) => this.finished(thread, message));
    worker.on('error', (err) => void this.stop(thread, new MjmlWorkerError(`the MJML thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => void this.stop(thread, new MjmlWorkerError(`the MJML thread exited (code ${code}) before it finished`)));
    return thread;
  }

  private assign(thread: Thread, job: Job): void {
    thread.job = job;
    thread.worker.ref();
    thread.timer = setTimeout(() => {
      void this.stop(thread, new MjmlWorkerError(`MJML took longer than ${this.timeoutMs} ms; its thread was stopped`));
    }, this.timeoutMs);
    thread.worker.postMessage({ id: job.id, mjml: job.mjml, options: job.options });
  }

  private finished(thread: Thread, message: { id: number; outcome: MjmlOutcome }): void {
    const job = thread.job;
    if (!job || job.id !== message.id) return;
    clearTimeout(thread.timer);
    thread.job = null;
    thread.worker.unref();
    job.resolve(message.outcome);
    this.dispatch();
  }

  /** Takes the thread out of the pool, fails its document and terminates it; the next document gets a new thread. */
  private async stop(thread: Thread, reason: MjmlWorkerError): Promise<void> {
    if (!this.threads.delete(thread)) return;
    clearTimeout(thread.timer);
    thread.job?.reject(reason);
    thread.job = null;
    this.dispatch();
    await thread.worker.terminate();
  }
}
