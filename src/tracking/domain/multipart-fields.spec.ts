import { multipartBoundary, multipartFields } from './multipart-fields.js';

describe('multipart form fields', () => {
  it('reads the RFC 8058 one-click body as mailbox providers send it', () => {
    const body = Buffer.from('--xYzZY\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--xYzZY--\r\n');
    expect(multipartFields(body, 'xYzZY')).toEqual({ 'List-Unsubscribe': 'One-Click' });
  });

  it('finds the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=xYzZY')).toBe('xYzZY');
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b;c"')).toBe('a b;c');
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary(undefined)).toBeNull();
  });

  it('reads several fields, keeps UTF-8, skips files, and keeps the first of a repeated name', () => {
    const body = Buffer.from(
      [
        '--b',
        'Content-Disposition: form-data; name="a"',
        '',
        'één',
        '--b',
        'Content-Disposition: form-data; name="upload"; filename="x.txt"',
        'Content-Type: text/plain',
        '',
        'file content',
        '--b',
        'Content-Disposition: form-data; name="a"',
        '',
        'second',
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect(multipartFields(body, 'b')).toEqual({ a: 'één' });
  });

  it('answers no fields for a body that is not multipart', () => {
    expect(multipartFields(Buffer.from('List-Unsubscribe=One-Click'), 'b')).toEqual({});
  });
});
