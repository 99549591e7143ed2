import fc from 'fast-check';
import { SMTPServer } from 'smtp-server';
import { SmtpError, SmtpPool, dataPayload, smtpOptionsFromUrl } from './smtp-client.js';

/** What a receiving server makes of a DATA payload: up to the lone "." line, dots at line starts removed once. */
function unstuff(payload: Buffer): string {
  const text = payload.toString('latin1');
  const end = text.startsWith('.\r\n') ? 0 : text.indexOf('\r\n.\r\n') + 2;
  expect(end).toBeGreaterThanOrEqual(0);
  expect(text.slice(end)).toBe('.\r\n');
  return text.slice(0, end).replace(/(^|\r\n|\r|\n)\.\./g, '$1.');
}

describe('dataPayload', () => {
  it('doubles a dot at the start of a line and ends with the lone dot line', () => {
    const payload = Buffer.concat(dataPayload(Buffer.from('.one\r\ntwo.\r\n.\r\n..three\r\n')));
    expect(payload.toString()).toBe('..one\r\ntwo.\r\n..\r\n...three\r\n.\r\n');
    expect(Buffer.concat(dataPayload(Buffer.from('no line end'))).toString()).toBe('no line end\r\n.\r\n');
  });

  it('gives back the message exactly once unstuffed, and no line of it can end the data early (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '.', '\r\n', '\r', '\n', ' ', '..'), { maxLength: 60 }), (pieces) => {
        const text = `${pieces.join('')}\r\n`;
        const payload = Buffer.concat(dataPayload(Buffer.from(text, 'latin1')));
        const body = payload.subarray(0, payload.length - 3).toString('latin1');
        // Only the final line is a lone dot, after CRLF, LF or CR alike.
        expect(body).not.toMatch(/(^|[\r\n])\.(\r|\n|$)/);
        expect(unstuff(payload)).toBe(text);
      }),
    );
  });
});

interface Received {
  from: string;
  to: string[];
  raw: string;
}

async function server(options: { refuse?: (to: string) => { code: number; message: string } | null; auth?: boolean; closeOnRcpt?: string } = {}) {
  const received: Received[] = [];
  const logins: string[] = [];
  const s = new SMTPServer({
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.method}:${auth.username}:${auth.password}`);
      if (auth.password === 'secret') callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (options.closeOnRcpt === address.address) {
        // The server goes away mid-transaction: every open connection is cut.
        for (const c of (s as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) c._socket.destroy();
        return;
      }
      const reply = options.refuse?.(address.address);
      if (reply) return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('latin1'),
        });
        callback(null, 'Queued as T1');
      });
    },
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.server.address() as { port: number }).port;
  return { received, logins, port, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

const message = (to: string, body: string) =>
  Buffer.from(`From: a@example.be\r\nTo: ${to}\r\nSubject: t\r\n\r\n${body}`, 'latin1');

describe('SmtpPool', () => {
  it('delivers many messages over a few pipelined connections, each exactly as given (dots and all)', async () => {
    const sink = await server();
    const pool = new SmtpPool(smtpOptionsFromUrl(`smtp://127.0.0.1:${sink.port}`, 3, { maxMessages: 4 }));
    try {
      const bodies = Array.from({ length: 25 }, (_, i) => `line ${i}\r\n.starts with a dot\r\n.\r\n..\r\nend ${i}\r\n`);
      const replies = await Promise.all(bodies.map((b, i) => pool.send({ from: 'a@example.be', to: `r${i}@example.be` }, message(`r${i}@example.be`, b))));
      expect(replies.every((r) => /^250 /.test(r))).toBe(true);
      expect(sink.received).toHaveLength(25);
      for (const [i, b] of bodies.entries()) {
        const got = sink.received.find((m) => m.to[0] === `r${i}@example.be`)!;
        expect(got.from).toBe('a@example.be');
        expect(got.raw).toBe(message(`r${i}@example.be`, b).toString('latin1'));
      }
    } finally {
      await pool.close();
      await sink.close();
    }
  });

  it('reports a refused recipient with its code and reply, and the connection carries the next message', async () => {
    const sink = await server({
      refuse: (to) =>
        to === 'nobody@example.be'
          ? { code: 550, message: '5.1.1 <nobody@example.be>: User unknown' }
          : to === 'busy@example.be'
            ? { code: 451, message: '4.7.1 Greylisted' }
            : null,
    });
    const pool = new SmtpPool(smtpOptionsFromUrl(`smtp://127.0.0.1:${sink.port}`, 1));
    try {
      const refused = await pool.send({ from: 'a@example.be', to: 'nobody@example.be' }, message('nobody@example.be', 'x')).catch((e) => e);
      expect(refused).toBeInstanceOf(SmtpError);
      expect(refused).toMatchObject({ responseCode: 550, code: 'EENVELOPE' });
      expect(refused.response).toMatch(/^550 5\.1\.1 /);
      const busy = await pool.send({ from: 'a@example.be', to: 'busy@example.be' }, message('busy@example.be', 'x')).catch((e) => e);
      expect(busy).toMatchObject({ responseCode: 451 });
      expect(await pool.send({ from: 'a@example.be', to: 'ok@example.be' }, message('ok@example.be', 'x'))).toMatch(/^250 /);
      expect(sink.received.map((m) => m.to[0])).toEqual(['ok@example.be']);
    } finally {
      await pool.close();
      await sink.close();
    }
  });

  it('fails as a temporary connection error when the server drops the connection, and recovers with a new one', async () => {
    const sink = await server({ closeOnRcpt: 'drop@example.be' });
    const pool = new SmtpPool(smtpOptionsFromUrl(`smtp://127.0.0.1:${sink.port}`, 1));
    try {
      const err = await pool.send({ from: 'a@example.be', to: 'drop@example.be' }, message('drop@example.be', 'x')).catch((e) => e);
      expect(err).toBeInstanceOf(SmtpError);
      expect(err.responseCode).toBeUndefined();
      expect(await pool.send({ from: 'a@example.be', to: 'ok@example.be' }, message('ok@example.be', 'y'))).toMatch(/^250 /);
      expect(sink.received).toHaveLength(1);
    } finally {
      await pool.close();
      await sink.close();
    }
  });

  it('authenticates with the credentials of the URL, and reports wrong ones', async () => {
    const sink = await server({ auth: true });
    const good = new SmtpPool(smtpOptionsFromUrl(`smtp://mailer%40x:secret@127.0.0.1:${sink.port}`, 1));
    const bad = new SmtpPool(smtpOptionsFromUrl(`smtp://mailer:wrong@127.0.0.1:${sink.port}`, 1));
    try {
      await good.verify();
      expect(await good.send({ from: 'a@example.be', to: 'ok@example.be' }, message('ok@example.be', 'x'))).toMatch(/^250 /);
      expect(sink.logins[0]).toBe('PLAIN:mailer@x:secret');
      await expect(bad.verify()).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    } finally {
      await good.close();
      await bad.close();
      await sink.close();
    }
  });

  it('reads smtp: and smtps: URLs', () => {
    expect(smtpOptionsFromUrl('smtp://relay.example.be', 5)).toMatchObject({ host: 'relay.example.be', port: 587, secure: false, auth: null });
    expect(smtpOptionsFromUrl('smtps://u:p%3Aq@relay.example.be:2465?tls.rejectUnauthorized=false', 2)).toMatchObject({
      port: 2465,
      secure: true,
      auth: { user: 'u', pass: 'p:q' },
      tls: { rejectUnauthorized: false },
      maxConnections: 2,
    });
  });
});
