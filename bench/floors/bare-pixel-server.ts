import http from 'node:http';
import { Redis } from 'ioredis';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const GIF_HEADERS = { 'content-type': 'image/gif', 'content-length': GIF.length, 'cache-control': 'no-store' };

export interface BarePixelOptions {
  port: number;
  /** The Redis stream the hits go to. */
  stream: string;
  /** Trims the stream to about this many entries (for a floor nothing drains); unset: no trimming. */
  maxLen?: number;
  /** The hit to keep for a request (a JSON string), or null to answer without keeping anything (a bad token). */
  hitOf(req: http.IncomingMessage): string | null;
}

/**
 * The request path of the tracking floors: a bare `node:http` server that answers the open pixel only once
 * its hit is durable, the way the service does: each event-loop turn's hits added to a Redis stream by one
 * script call, then the GIF. Tells its parent process 'ready' once it listens.
 */
export function serveBarePixel(options: BarePixelOptions): void {
  const trim = options.maxLen === undefined ? '' : `'MAXLEN', '~', '${options.maxLen}', `;
  const addAll = `for i = 1, #ARGV do redis.call('XADD', KEYS[1], ${trim}'*', 'h', ARGV[i]) end return #ARGV`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const answer = (res: http.ServerResponse) => res.writeHead(200, GIF_HEADERS).end(GIF);
  let pending: { res: http.ServerResponse; hit: string }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    void redis.eval(addAll, 1, options.stream, ...batch.map((b) => b.hit)).then(() => {
      for (const { res } of batch) answer(res);
    });
  };
  const server = http.createServer((req, res) => {
    const hit = options.hitOf(req);
    if (hit === null) return answer(res);
    if (!pending.length) setImmediate(flush);
    pending.push({ res, hit });
  });
  // The load generator's keep-alive connections sit idle while a floor waits for storing to catch up (seconds
  // when the server answers faster than the drain stores); node's 5 s default would close them under it.
  server.keepAliveTimeout = 300_000;
  server.listen(options.port, () => process.send?.('ready'));
}
