import type { TestApp } from './test-app.js';

/** A two-language welcome email: a personal greeting with a fallback, two links, a mailto: and a button. */
export const WELCOME_VARIANTS = {
  nl: {
    subject: 'Bedankt voor je download{{#if firstName}}, {{firstName}}{{/if}}',
    mjml: `<mj-section>
  <mj-column>
    <mj-text>
      <p>Hallo {{fallback firstName "daar"}},</p>
      <p>Lees <a href="https://studio-noord.example.be/gids?utm_source=nurture&amp;utm_medium=email">onze gids</a>
      of bekijk <a href="https://studio-noord.example.be/cases/{{fallback attributes.industry "algemeen"}}">een klant zoals jij</a>.</p>
      <p>Vragen? Mail <a href="mailto:hallo@studio-noord.example.be">hallo@studio-noord.example.be</a>.</p>
    </mj-text>
    <mj-button href="https://studio-noord.example.be/afspraak">Plan een gesprek</mj-button>
  </mj-column>
</mj-section>`,
  },
  en: {
    subject: 'Thanks for downloading{{#if firstName}}, {{firstName}}{{/if}}',
    mjml: `<mj-section>
  <mj-column>
    <mj-text>
      <p>Hello {{fallback firstName "there"}},</p>
      <p>Read <a href="https://studio-noord.example.be/en/guide">our guide</a>.</p>
    </mj-text>
  </mj-column>
</mj-section>`,
  },
};

/** Creates a template through the API and returns its id. */
export async function createTemplate(t: TestApp, variants: object = WELCOME_VARIANTS, name = 'Welkom na download', defaultLocale = 'nl'): Promise<string> {
  const res = await t.api('post', '/api/v1/templates').send({ name, defaultLocale, variants });
  if (res.status !== 201) throw new Error(`template not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** What leads in email tests have unless a test says otherwise: a lawful basis to be mailed. */
export const GRANTED = { status: 'granted', basis: 'consent', text: 'Ja, stuur mij tips', source: 'test' } as const;

/** Creates (or updates) a lead through the API and returns its id; with consent granted unless `lead.consent` says otherwise. */
export async function createLead(t: TestApp, lead: Record<string, unknown>): Promise<string> {
  const res = await t.api('post', '/api/v1/leads').send('consent' in lead ? lead : { ...lead, consent: GRANTED });
  if (res.status !== 201 && res.status !== 200) throw new Error(`lead not saved: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}
