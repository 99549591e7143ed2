import { startSourceProcess, type SourceProcess } from './support/source-process.js';
import { startTestApp } from './support/test-app.js';

describe('the Swagger UI at /docs (DOCS_UI)', () => {
  describe('on', () => {
    let service: SourceProcess;
    beforeAll(async () => {
      // Jest cannot load the UI's @fastify/static, so the service runs as a process of its own.
      service = await startSourceProcess({ DOCS_UI: 'true' });
    }, 90_000);
    afterAll(async () => {
      await service?.stop();
    });

    it('answers 200 with the UI as HTML, which reads the document at /docs-json', async () => {
      const page = await fetch(`${service.url}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toMatch(/<title>Swagger UI<\/title>/);
      const init = await fetch(`${service.url}/docs/swagger-ui-init.js`);
      expect(init.status).toBe(200);
      expect(await init.text()).toContain('"title": "Nurture engine API"');
      const document = await fetch(`${service.url}/docs-json`);
      expect(document.status).toBe(200);
      expect(((await document.json()) as { info: { title: string } }).info.title).toBe('Nurture engine API');
    });
  });

  it('off: /docs is 404 (as problem+json), the document at /docs-json is still served', async () => {
    const t = await startTestApp({ env: { DOCS_UI: 'false' } });
    try {
      const page = await t.http().get('/docs');
      expect(page.status).toBe(404);
      expect(page.headers['content-type']).toMatch(/application\/problem\+json/);
      expect((await t.http().get('/docs-json')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
