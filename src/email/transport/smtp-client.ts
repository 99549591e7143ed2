import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';

/**
 * A small pooled SMTP client (RFC 5321) for messages that are already whole: built, signed, 7-bit, CRLF
 * line ends. Per message it pipelines MAIL FROM, RCPT TO and DATA (RFC 2920, when the server offers it),
 * then writes the message, dot-stuffed (found with native searches: a copy only where a line starts with a
 * dot), and the final dot in one write. It speaks what a relay needs: implicit TLS (smtps:), STARTTLS when
 * offered (certificates verified unless `tls.rejectUnauthorized=false`), AUTH PLAIN or LOGIN. Errors carry
 * `responseCode` and `response` like nodemailer's, so classifyDeliveryFailure reads them the same way.
 * Credentials are only ever written to the socket.
 */
export interface SmtpOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (smtps:). */
  secure: boolean;
  auth: { user: string; pass: string } | null;
  /** Never STARTTLS, even when offered. */
  ignoreTLS: boolean;
  /** Fail unless the connection is (or becomes) TLS. */
  requireTLS: boolean;
  tls: tls.ConnectionOptions;
  /** The EHLO name. */
  name: string;
  maxConnections: number;
  /** Messages per connection before it is replaced. */
  maxMessages: number;
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  /** Inactivity on a busy connection fails the send; an idle connection is closed after it. */
  socketTimeoutMs: number;
}

export interface SmtpEnvelope {
  from: string;
  to: string;
}

/** A failed command or connection: `responseCode`/`response` when the server answered, `code` always. */
export class SmtpError extends Error {
  constructor(
    message: string,
    readonly code: 'ECONNECTION' | 'ETIMEDOUT' | 'EPROTOCOL' | 'EAUTH' | 'ETLS' | 'EENVELOPE' | 'EMESSAGE',
    readonly responseCode?: number,
    readonly response?: string,
    /** True when nothing of this message reached the server's DATA phase (safe to try on another connection). */
    readonly beforeData = false,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

interface Reply {
  code: number;
  /** All lines, as the server sent them, joined by \n (like nodemailer's `response`). */
  text: string;
}

const DEFAULTS = { maxMessages: 1000, connectionTimeoutMs: 10_000, greetingTimeoutMs: 10_000, socketTimeoutMs: 60_000 };

/** Options from `smtp://user:pass@host:port` or `smtps://…`; query `tls.rejectUnauthorized=false`, `ignoreTLS`, `requireTLS`, `name`. */
export function smtpOptionsFromUrl(url: string, maxConnections: number, overrides: Partial<SmtpOptions> = {}): SmtpOptions {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('an SMTP URL starts with smtp: or smtps:');
  const secure = u.protocol === 'smtps:';
  const flag = (name: string) => u.searchParams.get(name) === 'true';
  const tlsOptions: tls.ConnectionOptions = {};
  if (u.searchParams.get('tls.rejectUnauthorized') === 'false') tlsOptions.rejectUnauthorized = false;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username || u.password ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : null,
    ignoreTLS: flag('ignoreTLS'),
    requireTLS: flag('requireTLS'),
    tls: tlsOptions,
    name: (u.searchParams.get('name') ?? defaultName()).replace(/[\r\n\s]+/g, ''),
    maxConnections,
    ...DEFAULTS,
    ...overrides,
  };
}

/** The machine's name when it is a domain name, otherwise an address literal (as nodemailer does). */
function defaultName(): string {
  let name = '';
  try {
    name = os.hostname();
  } catch {
    name = '';
  }
  if (!name.includes('.')) return '[127.0.0.1]';
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) ? `[${name}]` : name;
}

const DOT = 0x2e;
const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n');
const DOT_CRLF = Buffer.from('.\r\n');
const LF_DOT = Buffer.from('\n.');
const CR_DOT = Buffer.from('\r.');

/**
 * The DATA payload as pieces to write: every line that starts with a dot gets a second one (after LF, and
 * after a bare CR so that "\r.\r" cannot end the data early), then the final `.` line.
 */
export function dataPayload(message: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  if (message.length && message[0] === DOT) {
    pieces.push(DOT_BUF);
  }
  let at = nextLineDot(message, 0);
  while (at !== -1) {
    // `at` is the index of the dot; the line break before it stays in the previous piece.
    pieces.push(message.subarray(start, at), DOT_BUF);
    start = at;
    at = nextLineDot(message, at + 1);
  }
  pieces.push(start === 0 ? message : message.subarray(start));
  const endsWithCrlf = message.length >= 2 && message[message.length - 2] === 13 && message[message.length - 1] === 10;
  pieces.push(endsWithCrlf ? DOT_CRLF : CRLF_DOT_CRLF);
  return pieces;
}

const DOT_BUF = Buffer.from('.');

/** The index of the next dot at a line start (after LF or CR) from `from`, or -1. */
function nextLineDot(message: Buffer, from: number): number {
  const lf = message.indexOf(LF_DOT, from > 0 ? from - 1 : 0);
  const cr = message.indexOf(CR_DOT, from > 0 ? from - 1 : 0);
  const next = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
  return next === -1 ? -1 : next + 1;
}

/** One SMTP session: replies are read in order, one waiter per expected reply (so commands can be pipelined). */
export class SmtpConnection {
  private socket: net.Socket;
  private pending = '';
  private lines: string[] = [];
  private readonly waiters: { resolve: (reply: Reply) => void; reject: (err: SmtpError) => void }[] = [];
  private failure: SmtpError | null = null;
  private extensions = new Set<string>();
  private authMethods = new Set<string>();
  private busy = false;
  /** Messages accepted on this connection. */
  sent = 0;

  private constructor(
    socket: net.Socket,
    private readonly options: SmtpOptions,
    private secure: boolean,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /** Connects, reads the greeting, says EHLO, upgrades with STARTTLS when offered, authenticates. */
  static async open(options: SmtpOptions): Promise<SmtpConnection> {
    const socket = await connect(options);
    const connection = new SmtpConnection(socket, options, options.secure);
    try {
      await connection.handshake();
      return connection;
    } catch (err) {
      connection.destroy(err instanceof SmtpError ? err : new SmtpError(String(err), 'ECONNECTION'));
      throw err;
    }
  }

  private attach(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.setTimeout(this.options.socketTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.destroy(new SmtpError('the SMTP connection timed out', 'ETIMEDOUT')));
    socket.on('error', (err: Error) => this.destroy(new SmtpError(`SMTP connection error: ${err.message}`, 'ECONNECTION')));
    socket.on('close', () => this.destroy(new SmtpError('the SMTP server closed the connection', 'ECONNECTION')));
  }

  private detach(socket: net.Socket): void {
    socket.removeAllListeners('data');
    socket.removeAllListeners('timeout');
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
  }

  private async handshake(): Promise<void> {
    const greeting = await this.withTimeout(this.read(), this.options.greetingTimeoutMs, 'greeting');
    if (greeting.code !== 220) throw replyError('EPROTOCOL', greeting, 'the server did not greet');
    await this.ehlo();
    if (!this.secure && !this.options.ignoreTLS && this.extensions.has('STARTTLS')) {
      const reply = await this.command('STARTTLS');
      if (reply.code !== 220) throw replyError('ETLS', reply, 'STARTTLS was refused');
      await this.upgrade();
      await this.ehlo();
    }
    if (this.options.requireTLS && !this.secure) throw new SmtpError('the server offers no STARTTLS and TLS is required', 'ETLS');
    if (this.options.auth) await this.authenticate(this.options.auth);
  }

  private async ehlo(): Promise<void> {
    let reply = await this.command(`EHLO ${this.options.name}`);
    if (reply.code !== 250) {
      reply = await this.command(`HELO ${this.options.name}`);
      if (reply.code !== 250) throw replyError('EPROTOCOL', reply, 'EHLO and HELO were refused');
      this.extensions = new Set();
      this.authMethods = new Set();
      return;
    }
    const lines = reply.text.split('\n').slice(1).map((l) => l.slice(4).trim().toUpperCase());
    this.extensions = new Set(lines.map((l) => l.split(/[\s=]/)[0]));
    const auth = lines.find((l) => /^AUTH[\s=]/.test(l));
    this.authMethods = new Set(auth ? auth.slice(5).split(/\s+/) : []);
  }

  private async upgrade(): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    const servername = net.isIP(this.options.host) ? undefined : this.options.host;
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ ...this.options.tls, socket: plain, servername }, () => resolve(s));
      s.once('error', (err) => reject(new SmtpError(`TLS failed: ${err.message}`, 'ETLS')));
    });
    secured.removeAllListeners('error');
    this.socket = secured;
    this.secure = true;
    this.attach(secured);
  }

  private async authenticate(auth: { user: string; pass: string }): Promise<void> {
    let reply: Reply;
    if (this.authMethods.has('PLAIN') || !this.authMethods.has('LOGIN')) {
      reply = await this.command(`AUTH PLAIN ${Buffer.from(`\0${auth.user}\0${auth.pass}`, 'utf8').toString('base64')}`);
    } else {
      reply = await this.command('AUTH LOGIN');
      if (reply.code === 334) reply = await this.command(Buffer.from(auth.user, 'utf8').toString('base64'));
      if (reply.code === 334) reply = await this.command(Buffer.from(auth.pass, 'utf8').toString('base64'));
    }
    if (reply.code !== 235) throw replyError('EAUTH', reply, 'authentication failed');
  }

  /**
   * Sends one message; resolves with the server's final reply. A refusal (any command) rejects with its
   * reply; the transaction is reset so the connection can carry the next message.
   */
  async send(envelope: SmtpEnvelope, message: Buffer): Promise<string> {
    if (this.failure) throw new SmtpError(this.failure.message, this.failure.code, undefined, undefined, true);
    if (this.busy) throw new Error('one message at a time per SMTP connection');
    if (/[\r\n<>]/.test(envelope.from + envelope.to)) throw new SmtpError('an envelope address holds a line break or angle bracket', 'EENVELOPE');
    this.busy = true;
    try {
      const commands = [`MAIL FROM:<${envelope.from}>`, `RCPT TO:<${envelope.to}>`, 'DATA'];
      const replies: Reply[] = [];
      let lost: unknown = null;
      if (this.extensions.has('PIPELINING')) {
        const reads = commands.map(() => this.read());
        this.socket.write(`${commands.join('\r\n')}\r\n`);
        // Every reply settles (a lost connection rejects those still missing); keep the ones that came, in order.
        for (const r of await Promise.allSettled(reads)) {
          if (r.status === 'rejected') {
            lost = r.reason;
            break;
          }
          replies.push(r.value);
        }
      } else {
        for (const command of commands) {
          try {
            replies.push(await this.command(command));
          } catch (err) {
            lost = err;
            break;
          }
          if (replies[replies.length - 1].code >= 400) break;
        }
      }
      const [mail, rcpt, data] = replies;
      const refused = replies.find((r, i) => (i === 0 ? r.code !== 250 : i === 1 ? r.code !== 250 && r.code !== 251 : r.code !== 354));
      if (refused) {
        if (!lost) await this.reset(replies);
        throw replyError('EENVELOPE', refused, 'the server refused the envelope', true);
      }
      if (lost || !mail || !rcpt || !data) {
        const err = lost instanceof SmtpError ? lost : new SmtpError(String(lost), 'ECONNECTION');
        throw new SmtpError(err.message, err.code, undefined, undefined, true);
      }
      const final = this.read();
      const pieces = dataPayload(message);
      this.socket.cork();
      for (const piece of pieces) this.socket.write(piece);
      this.socket.uncork();
      const reply = await final;
      if (reply.code !== 250) {
        if (reply.code === 421) this.destroy(replyError('ECONNECTION', reply, 'the server is closing the connection'));
        throw replyError('EMESSAGE', reply, 'the server refused the message');
      }
      this.sent += 1;
      return reply.text;
    } finally {
      this.busy = false;
    }
  }

  /** After a refused envelope: RSET (or close, when the server said it is closing or RSET fails). */
  private async reset(replies: Reply[]): Promise<void> {
    if (replies.some((r) => r.code === 421)) {
      this.destroy(new SmtpError('the server is closing the connection', 'ECONNECTION'));
      return;
    }
    if (replies.length === 3 && replies[2].code === 354) {
      // A server that accepted DATA although the envelope failed: end the empty message, then reset.
      const ended = this.read();
      this.socket.write('.\r\n');
      await ended.catch(() => undefined);
    }
    const reply = await this.command('RSET').catch(() => null);
    if (!reply || reply.code !== 250) this.destroy(new SmtpError('RSET failed', 'ECONNECTION'));
  }

  /** QUIT politely; closes the socket whatever the answer. */
  async quit(): Promise<void> {
    if (this.failure) return;
    const bye = this.command('QUIT').catch(() => undefined);
    await Promise.race([bye, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.destroy(new SmtpError('the connection was closed', 'ECONNECTION'));
  }

  destroy(reason: SmtpError): void {
    if (!this.failure) this.failure = reason;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    this.socket.destroy();
  }

  private command(line: string): Promise<Reply> {
    const reply = this.read();
    if (!this.failure) this.socket.write(`${line}\r\n`);
    return reply;
  }

  private read(): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private onData(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    let end: number;
    while ((end = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, end).replace(/\r$/, '');
      this.pending = this.pending.slice(end + 1);
      this.lines.push(line);
      if (line.length > 3 && line[3] === '-') continue; // more lines of this reply follow
      const text = this.lines.join('\n');
      this.lines = [];
      const code = Number(line.slice(0, 3));
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve({ code: Number.isInteger(code) ? code : 0, text });
      else this.destroy(new SmtpError(`unexpected reply from the SMTP server: ${text.slice(0, 200)}`, 'ECONNECTION', code, text));
    }
    if (this.pending.length > 65_536) this.destroy(new SmtpError('SMTP reply line too long', 'EPROTOCOL'));
  }

  private withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new SmtpError(`no SMTP ${what} within ${ms} ms`, 'ETIMEDOUT');
        this.destroy(err);
        reject(err);
      }, ms);
      promise.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

function replyError(code: SmtpError['code'], reply: Reply, what: string, beforeData = false): SmtpError {
  return new SmtpError(`${what}: ${reply.text}`, code, reply.code, reply.text, beforeData);
}

function connect(options: SmtpOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const servername = net.isIP(options.host) ? undefined : options.host;
    const socket: net.Socket = options.secure
      ? tls.connect({ ...options.tls, host: options.host, port: options.port, servername })
      : net.connect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError(`could not connect to the SMTP server within ${options.connectionTimeoutMs} ms`, 'ETIMEDOUT'));
    }, options.connectionTimeoutMs);
    socket.once(options.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new SmtpError(`could not connect to the SMTP server: ${err.message}`, options.secure ? 'ETLS' : 'ECONNECTION'));
    });
  });
}

/**
 * Up to `maxConnections` sessions, each carrying one message at a time and up to `maxMessages` in all.
 * A send waits for a free session; a session found dead before any of the message was sent is replaced
 * and the send tried once more on a new one (the server saw nothing of it).
 */
export class SmtpPool {
  private readonly idle: SmtpConnection[] = [];
  private readonly waiting: (() => void)[] = [];
  private live = 0;
  private closing = false;

  constructor(readonly options: SmtpOptions) {}

  async send(envelope: SmtpEnvelope, message: Buffer): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.acquire();
      const reused = connection.sent > 0;
      try {
        const reply = await connection.send(envelope, message);
        this.release(connection);
        return reply;
      } catch (err) {
        this.release(connection);
        const stale = err instanceof SmtpError && err.beforeData && err.responseCode === undefined && reused;
        if (attempt === 1 && stale && !this.closing) continue;
        throw err;
      }
    }
  }

  /** Opens a session, says hello (and authenticates), and quits: the relay can be reached and accepts us. */
  async verify(): Promise<void> {
    const connection = await SmtpConnection.open(this.options);
    await connection.quit();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all(this.idle.splice(0).map((c) => c.quit()));
  }

  private async acquire(): Promise<SmtpConnection> {
    for (;;) {
      if (this.closing) throw new SmtpError('the SMTP pool is closed', 'ECONNECTION', undefined, undefined, true);
      while (this.idle.length) {
        const connection = this.idle.pop()!;
        if (!connection.closed) return connection;
        this.live -= 1;
      }
      if (this.live < this.options.maxConnections) {
        this.live += 1;
        try {
          return await SmtpConnection.open(this.options);
        } catch (err) {
          this.live -= 1;
          this.wakeOne();
          throw err;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(connection: SmtpConnection): void {
    if (connection.closed || connection.sent >= this.options.maxMessages || this.closing) {
      if (!connection.closed) void connection.quit();
      this.live -= 1;
    } else {
      this.idle.push(connection);
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }
}
