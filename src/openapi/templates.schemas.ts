import { arr, int, o, page, str, time, uuid, type Schema } from './schema-kit.js';

const variants: Schema = { type: 'object', description: 'Per locale', additionalProperties: o({ subject: str, mjml: str }) };
const versionSummary = { version: int, defaultLocale: str, locales: arr(str), createdAt: time, createdBy: str };

/** Email templates (templates.service, template.types). */
export const TEMPLATES_SCHEMAS: Record<string, Schema> = {
  Template: o(
    {
      id: uuid,
      name: str,
      defaultLocale: str,
      version: int,
      locales: arr(str),
      createdAt: time,
      updatedAt: time,
      variants,
      versions: arr(o(versionSummary)),
    },
    ['variants', 'versions'],
  ),
  TemplatePage: page('Template'),
  TemplateVersion: o({ templateId: uuid, ...versionSummary, variants }),
  TemplatePreview: o({ subject: str, html: str, text: str, locale: str, version: int }),
  TestSendResult: o({ messageId: uuid, status: { type: 'string', example: 'queued' } }),
};
