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
  /**
   * Open loop only: p99 counted from when this process handed each request to its connections, not from when it
   * was due. It leaves out how late this process itself was to send (its event loop delayed: the load generator
   * shares the machine with the service), and keeps any wait for a free connection (the service's doing).
   */
  p99FromSubmit?: number;
}

function summary(latencies: number[], ok: number, failed: number, seconds: number): RunResult {
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { ok, failed, seconds, p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) };
}

/** Every connection sends its next request as soon as the previous one is answered, for a time or a count. */
export function closedLoop(pool: ConnectionPool, path: (i: number) => string, limit: { seconds?: number; count?: number; expected?: number }): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + (limit.seconds ?? Infinity) * 1000;
  const count = limit.count ?? Infinity;
  return new Promise((resolve) => {
    let running = pool.connections.length;
    const finish = () => {
      if (--running === 0) resolve(summary(latencies, latencies.length - failed, failed, (performance.now() - started) / 1000));
    };
    for (const c of pool.connections) {
      let sent = 0;
      const answered = (status: number) => {
        const now = performance.now();
        latencies.push(now - sent);
        if (status === 0 || (limit.expected !== undefined && status !== limit.expected)) failed++;
        step(now);
      };
      const step = (now: number) => {
        if (now >= deadline || next >= count) return finish();
        sent = now;
        c.send(path(next++), answered);
      };
      step(performance.now());
    }
  });
}

/** Requests at a fixed rate whatever the answers do; latency counts from when each request was due. */
export async function openLoop(pool: ConnectionPool, path: (i: number) => string, rps: number, seconds: number): Promise<RunResult> {
  const latencies: number[] = [];
  const fromSubmit: number[] = [];
  const total = rps * seconds;
  let failed = 0;
  let sent = 0;
  let answered = 0;
  let allAnswered!: () => void;
  const done = new Promise<void>((r) => (allAnswered = r));
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rps) / 1000));
    for (; sent < due; sent++) {
      const dueAt = started + (sent * 1000) / rps;
      const submittedAt = performance.now();
      pool.send(path(sent), (status) => {
        const now = performance.now();
        latencies.push(now - dueAt);
        fromSubmit.push(now - submittedAt);
        if (status === 0 || status >= 400) failed++;
        if (++answered === total) allAnswered();
      });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await done;
  fromSubmit.sort((a, b) => a - b);
  const p99FromSubmit = Math.round(percentile(fromSubmit, 99) * 100) / 100;
  return { ...summary(latencies, total - failed, failed, (performance.now() - started) / 1000), p99FromSubmit };
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = Buffer.from('\r\ncontent-length:');
const CR = 0x0d;
const SPACE = 0x20;
const ZERO = 0x30;

/**
 * A minimal HTTP/1.1 client on raw keep-alive sockets: one request at a time per connection, responses
 * framed by Content-Length (all the service sends here). Much cheaper per request than node:http, so the
 * load generator does not take the CPU the service needs on a small machine: the response head is read
 * from the bytes (status, lower-case `content-length` as the service writes it, else a case-insensitive
 * search), without decoding it to a string, and a response that arrives in one chunk is not copied.
 */
class Connection {
  private socket!: net.Socket;
  private buffer: Buffer | null = null;
  private waiting: ((status: number) => void) | null = null;
  private closed = false;
  private readonly tail: string;

  constructor(
    private readonly port: number,
    userAgent: string,
  ) {
    this.tail = ` HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: ${userAgent}\r\n\r\n`;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true }, resolve);
      this.socket.on('error', reject); // after connecting, a no-op: 'close' follows
      this.socket.on('data', (chunk: Buffer) => this.read(chunk));
      // A service that goes away fails the request in flight and every later one (status 0), never hangs the run.
      this.socket.on('close', () => {
        this.closed = true;
        const done = this.waiting;
        this.waiting = null;
        done?.(0);
      });
    });
  }

  /** Sends `GET path` and calls `done` with the status once the whole response is in (0 if the connection closed). */
  send(path: string, done: (status: number) => void): void {
    if (this.closed) {
      setImmediate(done, 0); // asynchronously, as an answer would be: a loop over a dead connection does not recurse
      return;
    }
    this.waiting = done;
    this.socket.write('GET ' + path + this.tail, 'latin1'); // ASCII only: the cheapest encoding
  }

  get(path: string): Promise<number> {
    return new Promise((resolve) => this.send(path, resolve));
  }

  close(): void {
    this.socket?.destroy();
  }

  private read(chunk: Buffer): void {
    const buf = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    const headEnd = buf.indexOf(CRLFCRLF);
    if (headEnd < 0) {
      this.buffer = buf;
      return;
    }
    const length = contentLength(buf, headEnd);
    const end = headEnd + 4 + length;
    if (buf.length < end) {
      this.buffer = buf;
      return;
    }
    this.buffer = buf.length > end ? buf.subarray(end) : null;
    const status = (buf[9] - ZERO) * 100 + (buf[10] - ZERO) * 10 + (buf[11] - ZERO); // "HTTP/1.1 302 …"
    const done = this.waiting;
    this.waiting = null;
    done?.(status);
  }
}

/** The Content-Length of the response head `buf[0..headEnd)` (0 when there is none). */
function contentLength(buf: Buffer, headEnd: number): number {
  let at = buf.indexOf(CONTENT_LENGTH);
  if (at < 0 || at > headEnd) {
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.toString('latin1', 0, headEnd));
    return m ? Number(m[1]) : 0;
  }
  at += CONTENT_LENGTH.length;
  while (buf[at] === SPACE) at++;
  let n = 0;
  for (; at < headEnd && buf[at] !== CR; at++) n = n * 10 + (buf[at] - ZERO);
  return n;
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

  /** A request on the next free connection (waiting for one when all are busy); `done` gets the status. */
  send(path: string, done: (status: number) => void): void {
    const c = this.idle.pop();
    if (c) this.sendOn(c, path, done);
    else this.queue.push((free) => this.sendOn(free, path, done));
  }

  /** {@link send} as a promise. */
  get(path: string): Promise<number> {
    return new Promise((resolve) => this.send(path, resolve));
  }

  private sendOn(c: Connection, path: string, done: (status: number) => void): void {
    c.send(path, (status) => {
      const waiter = this.queue.shift();
      if (waiter) waiter(c);
      else this.idle.push(c);
      done(status);
    });
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

