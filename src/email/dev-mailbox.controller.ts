import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/roles.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { DevMailboxService, type MailboxEntry } from './dev-mailbox.service.js';

/**
 * The development mailbox, where email goes when no SMTP relay is configured: a list page, each message as
 * its recipient would see it (scripts off), its plain-text part, and its raw source. Public in development; 404 in production.
 */
@ApiExcludeController()
@Controller('dev/mailbox')
export class DevMailboxController {
  constructor(private readonly mailbox: DevMailboxService) {}

  @Public()
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async list(): Promise<string> {
    return listPage(await this.mailbox.list());
  }

  @Public()
  @Get(':id')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'")
  @Header('cache-control', 'no-store')
  html(@Param('id', UuidPipe) id: string): Promise<string> {
    return this.mailbox.html(id);
  }

  @Public()
  @Get(':id/text')
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'no-store')
  text(@Param('id', UuidPipe) id: string): Promise<string> {
    return this.mailbox.text(id);
  }

  @Public()
  @Get(':id/source')
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'no-store')
  source(@Param('id', UuidPipe) id: string): Promise<string> {
    return this.mailbox.source(id);
  }
}

function listPage(entries: MailboxEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${escape(e.receivedAt.toISOString().replace('T', ' ').slice(0, 19))}</td><td>${escape(e.to)}</td>` +
        `<td><a href="/dev/mailbox/${e.id}">${escape(e.subject || '(no subject)')}</a></td>` +
        `<td><a href="/dev/mailbox/${e.id}/text">text</a> · <a href="/dev/mailbox/${e.id}/source">source</a></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Development mailbox</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e4e7eb}th{color:#616e7c;font-weight:600}</style></head>
<body><h1>Development mailbox</h1>
<p>Email is stored here because SMTP_URL is not set. Newest first${entries.length ? '' : ' — nothing yet'}.</p>
<table><thead><tr><th>Received (UTC)</th><th>To</th><th>Subject</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
