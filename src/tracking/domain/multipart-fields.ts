/**
 * Reads the plain text fields of a multipart/form-data body (RFC 7578). RFC 8058 lets mailbox providers
 * send the one-click unsubscribe body `List-Unsubscribe=One-Click` as multipart; nothing else is posted
 * to this service in that format, so file parts are skipped and nothing is streamed.
 */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

export function multipartFields(body: Buffer, boundary: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  for (const part of text.split(delimiter).slice(1)) {
    if (part.startsWith('--')) break; // the closing delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || /(?:^|;)\s*filename\*?=/i.test(disposition)) continue;
    const value = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    if (!(name in fields)) fields[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return fields;
}
