import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  envelope: { from: string; to: string[] };
  /** The id of the SMTP connection (smtp-server's session) that carried it. */
  connection: string;
}

export interface SmtpReply {
  code: number;
  message: string;
}

/**
 * A real SMTP server on a random local port that keeps what it receives. `refuse` decides per recipient
 * whether to answer RCPT TO with an error (the attempt number counts RCPTs for that address, from 1).
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Connections accepted so far. */
  connections = 0;
  refuse: (address: string, attempt: number) => SmtpReply | null = () => null;
  /** How long the server takes to accept each message (ms), as a busy relay does: sends then overlap. */
  acceptDelayMs = 0;
  private readonly attempts = new Map<string, number>();

  private constructor(private readonly server: SMTPServer) {}

  static async start(): Promise<SmtpSink> {
    let sink!: SmtpSink;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect(_session, callback) {
        sink.connections++;
        callback();
      },
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        const n = (sink.attempts.get(address.address) ?? 0) + 1;
        sink.attempts.set(address.address, n);
        const reply = sink.refuse(address.address, n);
        if (reply) return callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          simpleParser(raw).then(
            (parsed) => {
              setTimeout(() => {
                sink.received.push({ raw, parsed, envelope, connection: session.id });
                callback(null, 'Queued as TEST');
              }, sink.acceptDelayMs);
            },
            (err) => callback(err),
          );
        });
      },
    });
    sink = new SmtpSink(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    const address = this.server.server.address();
    if (!address || typeof address === 'string') throw new Error('the SMTP sink is not listening');
    return `smtp://127.0.0.1:${address.port}`;
  }

  /** Messages received for one address. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelope.to.includes(address));
  }

  /** How many messages each connection that carried any carried, by connection id. */
  messagesPerConnection(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const mail of this.received) counts.set(mail.connection, (counts.get(mail.connection) ?? 0) + 1);
    return counts;
  }

  /** How many times a recipient was offered (RCPT TO), accepted or not. */
  offers(address: string): number {
    return this.attempts.get(address) ?? 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
