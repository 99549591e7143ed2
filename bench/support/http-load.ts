import net from 'node:net';
import { percentile } from './service.js';

/**
 * Load generation for HTTP benchmarks on this machine: a closed loop (each connection sends its next request
 * when the previous one is answered) and an open loop (requests at a fixed rate, latency counted from when each
 * was due), over a pool of raw keep-alive connections.
 */
export interface RunResult {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

function summary(latencies: number[], ok: number, failed: number, seconds: number): RunResult {
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { ok, failed, seconds, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) };
}

/** Every connection sends its next request as soon as the previous one is answered, for a time or a count. */
export async function closedLoop(pool: ConnectionPool, path: (i: number) => string, limit: { seconds?: number; count?: number; expected?: number }): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + (limit.seconds ?? Infinity) * 1000;
  await Promise.all(
    pool.connections.map(async (c) => {
      while (performance.now() < deadline && next < (limit.count ?? Infinity)) {
        const sent = performance.now();
        const status = await c.get(path(next++));
        latencies.push(performance.now() - sent);
        if (status === 0 || (limit.expected !== undefined && status !== limit.expected)) failed++;
      }
    }),
  );
  return summary(latencies, latencies.length - failed, failed, (performance.now() - started) / 1000);
}

/** Requests at a fixed rate whatever the answers do; latency counts from when each request was due. */
export async function openLoop(pool: ConnectionPool, path: (i: number) => string, rps: number, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  const total = rps * seconds;
  let failed = 0;
  let sent = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rps) / 1000));
    for (; sent < due; sent++) {
      const dueAt = started + (sent * 1000) / rps;
      const i = sent;
      inflight.push(
        pool.get(path(i)).then((status) => {
          latencies.push(performance.now() - dueAt);
          if (status === 0 || status >= 400) failed++;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return summary(latencies, total - failed, failed, (performance.now() - started) / 1000);
}

/**
 * A minimal HTTP/1.1 client on raw keep-alive sockets: one request at a time per connection, responses
 * framed by Content-Length (all the service sends here). Much cheaper per request than node:http, so the
 * load generator does not take the CPU the service needs on a small machine.
 */
class Connection {
  private socket!: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;
  private closed = false;
  private readonly headers: string;

  constructor(
    private readonly port: number,
    userAgent: string,
  ) {
    this.headers = `Host: 127.0.0.1:${port}\r\nUser-Agent: ${userAgent}\r\n\r\n`;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true }, resolve);
      this.socket.on('error', reject); // after connecting, a no-op: 'close' follows
      this.socket.on('data', (chunk) => this.read(chunk));
      // A service that goes away fails the request in flight and every later one (status 0), never hangs the run.
      this.socket.on('close', () => {
        this.closed = true;
        const done = this.waiting;
        this.waiting = null;
        done?.(0);
      });
    });
  }

  get(path: string): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(`GET ${path} HTTP/1.1\r\n${this.headers}`, 'latin1'); // ASCII only: the cheapest encoding
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < headEnd + 4 + length) return;
    this.buffer = this.buffer.subarray(headEnd + 4 + length);
    const done = this.waiting;
    this.waiting = null;
    done?.(Number(head.slice(9, 12)));
  }
}

export class ConnectionPool {
  readonly connections: Connection[];
  private readonly idle: Connection[] = [];
  private readonly queue: ((c: Connection) => void)[] = [];

  constructor(size: number, port: number, userAgent: string) {
    this.connections = Array.from({ length: size }, () => new Connection(port, userAgent));
  }

  async open(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.open()));
    this.idle.push(...this.connections);
  }

  /** A request on the next free connection (waiting for one when all are busy). */
  async get(path: string): Promise<number> {
    const c = this.idle.pop() ?? (await new Promise<Connection>((r) => this.queue.push(r)));
    try {
      return await c.get(path);
    } finally {
      const waiter = this.queue.shift();
      if (waiter) waiter(c);
      else this.idle.push(c);
    }
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

