import { arr, enumOf, int, o, page, str, time, uuid, type Schema } from './schema-kit.js';

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
  TemplatePreview: o({
    subject: str,
    html: str,
    text: str,
    locale: str,
    version: int,
    problems: {
      ...arr(o({ field: { ...str, example: 'variants.nl.mjml' }, message: str })),
      description:
        'Why a send would refuse the rendered variant, which still previews: a version saved before saves checked the footer that lacks the unsubscribe link or postal address (its sends fail with template_without_footer). Empty when it can be sent.',
    },
  }),
  TestSendResult: {
    ...o(
      {
        messageId: uuid,
        status: { ...enumOf(['queued', 'suppressed']), example: 'queued' },
        reason: { ...str, description: 'Why the address gets nothing (a suppression reason), when status is suppressed' },
      },
      ['reason'],
    ),
    description:
      'The test send as queued. Answered only once the variant it uses was found to go out (sendable, with its footer, and rendering for the sample lead); else 422 naming the variant field, and nothing is queued.',
  },
};
