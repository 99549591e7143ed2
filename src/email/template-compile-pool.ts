import type { OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { TryAgainLater } from '../common/unavailable.js';
import type { AppConfig } from '../config/app-config.js';
import type { CompileRequest, VariantOutcome } from './domain/compile-variants.js';

/** The thread's code: plain JavaScript, next to this file in src/ and in dist/ (see template-compile-thread.mjs). */
const THREAD_ENTRY = new URL('./template-compile-thread.mjs', import.meta.url);

/**
 * How long compiling one variant may take before its thread is stopped (a save gets this per variant); a variant
 * at the size limit takes about 1 s.
 */
export const COMPILE_TIMEOUT_MS = 10_000;

/** The heap a compile thread may grow to by default (TEMPLATE_COMPILE_MEMORY_MB); a save at the size limit peaks near 80 MB. */
export const COMPILE_MEMORY_MB = 256;

/**
 * How long a new thread may take to load its code (MJML and the compiler) before it is given up; its first save's
 * own timeout only starts once it is ready, so a slow start does not count against the author's template.
 */
export const THREAD_STARTUP_TIMEOUT_MS = 60_000;

export interface TemplateCompilePoolOptions {
  /** Threads compiling at once; more saves wait their turn. */
  threads: number;
  /** The most heap (old generation, in MB) one thread may use; past it the thread is stopped. */
  memoryMb?: number;
  /** Per variant of a save. */
  timeoutMs?: number;
  /** The thread's code (tests give a slower-starting one). */
  entry?: URL;
}

/**
 * A save could not be compiled: its thread died, ran out of memory, took too long or was shut down. Not known to
 * be the template's fault (not a 422): the request gets 503 with Retry-After, and the next save gets a new thread.
 */
export class TemplateCompileThreadError extends TryAgainLater {
  override name = 'TemplateCompileThreadError';

  constructor(message: string, options?: ErrorOptions & { detail?: string }) {
    super(message, options?.detail ?? 'The template could not be compiled right now (its compiler stopped or took too long). Try again shortly.', options);
  }
}

/** What a thread posts back for a save: every variant's outcome, or a fault that is not the template's (a bug). */
export interface ThreadAnswer {
  id: number;
  outcome: { variants: VariantOutcome[] } | { fault: string };
}

interface Job {
  id: number;
  request: CompileRequest;
  resolve(outcomes: VariantOutcome[]): void;
  reject(err: Error): void;
}

interface Thread {
  worker: Worker;
  job: Job | null;
  /** Loaded and listening: its job's timeout runs from when it is both ready and given the job. */
  ready: boolean;
  timer?: NodeJS.Timeout;
}

/** What a thread posts: `ready` once, when its code is loaded, then an answer per save. */
type ThreadMessage = ThreadAnswer | { ready: true };

/**
 * Compiles template saves in worker threads, one message per save, so none of a save's CPU-heavy work (Handlebars
 * checks, MJML, the text part, the trial render: about 1 s at the size limit) holds the event loop of the process,
 * which also answers open pixels and click redirects. Threads start on the first save and stay (each holds MJML,
 * about 55 MB); each compiles one save at a time, the others wait in order. Each thread's heap is capped
 * (`memoryMb`): a thread that dies, runs out of memory or takes longer than the timeout (it is then stopped) fails
 * its save with a TemplateCompileThreadError and is replaced by the next save. An idle thread does not keep the
 * process alive; shutting down stops them all.
 */
export class TemplateCompilePool implements OnApplicationShutdown {
  private readonly threads = new Set<Thread>();
  private readonly queue: Job[] = [];
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private nextId = 1;
  private closed = false;

  /** The pool the configuration asks for (TEMPLATE_COMPILE_THREADS, TEMPLATE_COMPILE_MEMORY_MB). */
  static forConfig(config: Pick<AppConfig, 'templateCompileThreads' | 'templateCompileMemoryMb'>): TemplateCompilePool {
    return new TemplateCompilePool({ threads: config.templateCompileThreads, memoryMb: config.templateCompileMemoryMb });
  }

  constructor(private readonly options: TemplateCompilePoolOptions) {
    this.timeoutMs = options.timeoutMs ?? COMPILE_TIMEOUT_MS;
    this.memoryMb = options.memoryMb ?? COMPILE_MEMORY_MB;
  }

  /** Every variant's outcome, in the request's order; rejects with a TemplateCompileThreadError when the save could not be compiled. */
  run(request: CompileRequest): Promise<VariantOutcome[]> {
    if (this.closed) return Promise.reject(new TemplateCompileThreadError('template compiling has shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  /** The threads started and not stopped since (for tests and diagnostics). */
  runningThreads(): Worker[] {
    return [...this.threads].map((t) => t.worker);
  }

  /** Fails the saves not yet compiled and stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new TemplateCompileThreadError('template compiling has shut down');
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
          this.queue.shift()!.reject(new TemplateCompileThreadError(`could not start a template compile thread: ${(err as Error).message}`, { cause: err }));
          continue;
        }
      }
      this.assign(thread, this.queue.shift()!);
    }
  }

  private start(): Thread {
    const worker = new Worker(this.options.entry ?? THREAD_ENTRY, { resourceLimits: { maxOldGenerationSizeMb: this.memoryMb } });
    const thread: Thread = { worker, job: null, ready: false };
    thread.timer = setTimeout(() => {
      void this.stop(thread, new TemplateCompileThreadError(`the template compile thread did not start within ${THREAD_STARTUP_TIMEOUT_MS} ms`));
    }, THREAD_STARTUP_TIMEOUT_MS);
    this.threads.add(thread);
    worker.unref(); // referenced only while it compiles
    worker.on('message', (message: ThreadMessage) => {
      if ('ready' in message) this.ready(thread);
      else this.finished(thread, message);
    });
    worker.on('error', (err: Error & { code?: string }) => void this.stop(thread, this.failure(err)));
    worker.on('exit', (code) => void this.stop(thread, new TemplateCompileThreadError(`the template compile thread exited (code ${code}) before it finished`)));
    return thread;
  }

  private failure(err: Error & { code?: string }): TemplateCompileThreadError {
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new TemplateCompileThreadError(`the template compile thread ran out of memory (over ${this.memoryMb} MB of heap, TEMPLATE_COMPILE_MEMORY_MB)`, {
        cause: err,
        detail: 'The template could not be compiled right now: its compiler ran out of memory. Try again shortly; if it happens again, make the template smaller.',
      });
    }
    return new TemplateCompileThreadError(`the template compile thread failed: ${err.message}`, { cause: err });
  }

  private assign(thread: Thread, job: Job): void {
    thread.job = job;
    thread.worker.ref();
    thread.worker.postMessage({ id: job.id, request: job.request });
    if (thread.ready) this.startJobTimer(thread, job);
  }

  /** The thread has loaded its code: the start-up timeout ends and the job it holds starts its own. */
  private ready(thread: Thread): void {
    thread.ready = true;
    clearTimeout(thread.timer);
    if (thread.job) this.startJobTimer(thread, thread.job);
  }

  private startJobTimer(thread: Thread, job: Job): void {
    const timeoutMs = this.timeoutMs * Math.max(1, job.request.variants.length);
    thread.timer = setTimeout(() => {
      void this.stop(thread, new TemplateCompileThreadError(`compiling took longer than ${timeoutMs} ms; its thread was stopped`));
    }, timeoutMs);
  }

  private finished(thread: Thread, answer: ThreadAnswer): void {
    const job = thread.job;
    if (!job || job.id !== answer.id) return;
    clearTimeout(thread.timer);
    thread.job = null;
    thread.worker.unref();
    if ('variants' in answer.outcome) job.resolve(answer.outcome.variants);
    else job.reject(new Error(`compiling a template failed in its thread: ${answer.outcome.fault}`));
    this.dispatch();
  }

  /** Takes the thread out of the pool, fails its save and terminates it; the next save gets a new thread. */
  private async stop(thread: Thread, reason: TemplateCompileThreadError): Promise<void> {
    if (!this.threads.delete(thread)) return;
    clearTimeout(thread.timer);
    thread.job?.reject(reason);
    thread.job = null;
    this.dispatch();
    await thread.worker.terminate();
  }
}
