import Handlebars from 'handlebars';
import { Settings } from 'luxon';
import { createTemplateEngine, formatDate } from './helpers.js';

const hb = createTemplateEngine();
const render = (source: string, data: Record<string, unknown> = {}) => hb.compile(source)(data);

describe('template helpers', () => {
  describe('fallback', () => {
    it('never leaves a greeting without a name', () => {
      const greeting = 'Hallo {{fallback firstName "daar"}},';
      expect(render(greeting, { firstName: 'An' })).toBe('Hallo An,');
      expect(render(greeting, {})).toBe('Hallo daar,');
      expect(render(greeting, { firstName: '' })).toBe('Hallo daar,');
      expect(render(greeting, { firstName: '  ' })).toBe('Hallo daar,');
      expect(render(greeting, { firstName: null })).toBe('Hallo daar,');
    });

    it('takes the first value that is present, from any number of candidates', () => {
      expect(render('{{fallback firstName company "daar"}}', { company: 'Bakkerij Peeters' })).toBe('Bakkerij Peeters');
      expect(render('{{fallback attributes.employees "?"}}', { attributes: { employees: 0 } })).toBe('0');
    });

    it('still escapes what it returns', () => {
      expect(render('{{fallback firstName "daar"}}', { firstName: '<b>An</b>' })).toBe('&lt;b&gt;An&lt;/b&gt;');
    });
  });

  describe('formatDate', () => {
    const webinar = '2026-03-10T03:30:00Z';

    it("shows a moment as the date it is in the lead's own time zone and language", () => {
      const template = '{{formatDate attributes.webinarAt "long"}}';
      expect(render(template, { locale: 'nl-BE', timezone: 'Europe/Brussels', attributes: { webinarAt: webinar } })).toBe(
        '10 maart 2026',
      );
      expect(render(template, { locale: 'en-US', timezone: 'America/New_York', attributes: { webinarAt: webinar } })).toBe(
        'March 9, 2026',
      );
      expect(render('{{formatDate at "weekday"}}', { locale: 'fr', timezone: 'Europe/Brussels', at: webinar })).toBe('mardi 10 mars 2026');
    });

    it('shows the time in the lead\u2019s zone, with luxon tokens', () => {
      const data = { locale: 'nl', attributes: { webinarAt: webinar } };
      expect(render('{{formatDate attributes.webinarAt "HH:mm"}}', { ...data, timezone: 'Europe/Brussels' })).toBe('04:30');
      expect(render('{{formatDate attributes.webinarAt "HH:mm"}}', { ...data, timezone: 'America/New_York' })).toBe('23:30');
    });

    it('falls back to Brussels and Dutch, and lets the template override zone and locale', () => {
      expect(render('{{formatDate at "d MMMM"}}', { at: webinar })).toBe('10 maart');
      expect(render('{{formatDate at "d MMMM" zone="America/New_York" locale="fr"}}', { at: webinar })).toBe('9 mars');
      expect(render('{{formatDate at "d MMMM"}}', { at: webinar, timezone: 'Not/AZone', locale: 'nl' })).toBe('10 maart');
      expect(render('{{formatDate at "d MMMM"}}', { at: webinar, locale: 'not a locale!' })).toBe('10 maart');
    });

    describe("reads a date without an offset in the lead's time zone, whatever the server's", () => {
      const serverZones = ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC'];
      const original = Settings.defaultZone;
      afterEach(() => {
        Settings.defaultZone = original;
      });

      it.each(serverZones)('a date-only value is that calendar day (server in %s)', (serverZone) => {
        Settings.defaultZone = serverZone;
        const template = '{{formatDate attributes.webinarAt "long"}}';
        const attributes = { webinarAt: '2026-12-01' };
        expect(render(template, { locale: 'nl', timezone: 'America/New_York', attributes })).toBe('1 december 2026');
        expect(render(template, { locale: 'nl', timezone: 'Pacific/Auckland', attributes })).toBe('1 december 2026');
        expect(render(template, { locale: 'nl', timezone: 'Europe/Brussels', attributes })).toBe('1 december 2026');
        expect(render('{{formatDate at "d MMMM" zone="Pacific/Pago_Pago"}}', { at: '2026-12-01' })).toBe('1 december');
      });

      it.each(serverZones)("a date-time without offset is the lead's wall-clock time; with an offset it is converted (server in %s)", (serverZone) => {
        Settings.defaultZone = serverZone;
        const data = (at: string, timezone: string) => ({ locale: 'nl', timezone, attributes: { webinarAt: at } });
        const template = '{{formatDate attributes.webinarAt "d MMMM HH:mm"}}';
        expect(render(template, data('2026-12-01T10:00', 'Europe/Brussels'))).toBe('1 december 10:00');
        expect(render(template, data('2026-12-01T10:00', 'America/New_York'))).toBe('1 december 10:00');
        expect(render(template, data('2026-12-01T10:00:00+01:00', 'America/New_York'))).toBe('1 december 04:00');
        expect(render(template, data('2026-12-01T10:00:00Z', 'Europe/Brussels'))).toBe('1 december 11:00');
        expect(render(template, data('2026-12-01T10:00', 'Not/AZone'))).toBe('1 december 10:00'); // read and shown in Brussels
      });
    });

    it('renders nothing for something that is not a date', () => {
      expect(render('[{{formatDate attributes.webinarAt}}]', { attributes: { webinarAt: 'soon' } })).toBe('[]');
      expect(render('[{{formatDate attributes.webinarAt}}]', {})).toBe('[]');
      expect(formatDate(Number.NaN, 'long', { locale: 'nl', zone: 'Europe/Brussels' })).toBe('');
    });
  });

  describe('conditional blocks', () => {
    it('ifStage shows a block to leads in one of the given stages', () => {
      const template = '{{#ifStage "mql" "sql"}}Je accountmanager belt je.{{else}}Lees de gids.{{/ifStage}}';
      expect(render(template, { stage: 'mql' })).toBe('Je accountmanager belt je.');
      expect(render(template, { stage: 'lead' })).toBe('Lees de gids.');
    });

    it('ifStage matches any of its stages, also inline, as it did with a rest parameter', () => {
      expect(render('{{#ifStage "a" "b" "c"}}y{{else}}n{{/ifStage}}', { stage: 'c' })).toBe('y');
      expect(render('{{#ifStage "a" "b" "c"}}y{{else}}n{{/ifStage}}', { stage: 'd' })).toBe('n');
      expect(render('{{#ifStage}}y{{else}}n{{/ifStage}}', { stage: 'lead' })).toBe('n');
      expect(render('{{#if (ifStage "mql" "lead")}}y{{/if}}', { stage: 'lead' })).toBe('y');
    });

    it('ifStage looks at the lead, also from inside another block', () => {
      expect(render('{{#each items}}{{#ifStage "mql"}}{{this}}{{/ifStage}}{{/each}}', { stage: 'mql', items: ['a', 'b'] })).toBe('ab');
    });

    it('ifEq compares a field with a value (by intent, for instance)', () => {
      const template = '{{#ifEq intent "high"}}We bellen je vandaag.{{else}}Tot snel.{{/ifEq}}';
      expect(render(template, { intent: 'high' })).toBe('We bellen je vandaag.');
      expect(render(template, { intent: 'low' })).toBe('Tot snel.');
      expect(render(template, {})).toBe('Tot snel.');
      expect(render('{{#ifEq attributes.employees 12}}twaalf{{/ifEq}}', { attributes: { employees: '12' } })).toBe('twaalf');
    });

    it('ifIn matches an attribute against a list, also when the attribute holds several values', () => {
      const template = '{{#ifIn attributes.industry "food" "retail"}}Voor winkels{{else}}Voor bedrijven{{/ifIn}}';
      expect(render(template, { attributes: { industry: 'food' } })).toBe('Voor winkels');
      expect(render(template, { attributes: { industry: ['it', 'retail'] } })).toBe('Voor winkels');
      expect(render(template, { attributes: { industry: 'it' } })).toBe('Voor bedrijven');
    });

    it('also work inline, as a condition for #if', () => {
      expect(render('{{#if (ifEq stage "mql")}}ja{{else}}nee{{/if}}', { stage: 'mql' })).toBe('ja');
      expect(render('{{#unless (ifIn stage "customer")}}nog geen klant{{/unless}}', { stage: 'lead' })).toBe('nog geen klant');
    });
  });

  it('upper and lower change case in the lead\u2019s language', () => {
    expect(render('{{upper company}}', { company: 'Bakkerij Peeters' })).toBe('BAKKERIJ PEETERS');
    expect(render('{{lower email}}', { email: 'An@Example.BE' })).toBe('an@example.be');
    expect(render('{{upper city}}', { city: 'istanbul', locale: 'tr' })).toBe('İSTANBUL');
    expect(render('[{{upper missing}}]')).toBe('[]');
  });

  it('keeps its helpers to itself: the global Handlebars knows none of them', () => {
    expect(Object.keys(Handlebars.helpers)).not.toContain('fallback');
    expect(Object.keys(hb.helpers)).toContain('fallback');
  });
});
