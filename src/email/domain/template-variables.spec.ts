import { TemplateError } from './template-error.js';
import { KNOWN_VARIABLES, referencedVariables, unknownVariables } from './template-variables.js';

describe('template variables', () => {
  it('lists the data a template reads, not the helpers it calls', () => {
    const source = `
      Hallo {{fallback firstName "daar"}},
      {{#ifIn attributes.industry "food"}}{{company}}{{/ifIn}}
      {{formatDate attributes.webinarAt "long" zone=timezone}}
      {{#if (ifEq qualification.timeline "now")}}{{upper sender.name}}{{/if}}
      {{> button url=sender.bookingUrl label="Plan"}}`;
    expect(referencedVariables(source)).toEqual([
      'attributes.industry',
      'attributes.webinarAt',
      'company',
      'firstName',
      'qualification.timeline',
      'sender.bookingUrl',
      'sender.name',
      'timezone',
    ]);
  });

  it('does not count paths relative to an #each item, but does count @root and ../ paths', () => {
    const source = '{{#each source.pages}}{{url}} {{@index}} {{@root.firstName}} {{../company}}{{else}}{{email}}{{/each}}';
    expect(referencedVariables(source)).toEqual(['company', 'email', 'firstName', 'source.pages']);
  });

  it('reports a misspelt field with the line it is on', () => {
    const source = 'Hallo {{firstName}},\n\nJe bedrijf {{compnay}} en {{attributes.industry}}\n{{compnay}}';
    expect(unknownVariables(source)).toEqual([{ name: 'compnay', line: 3 }]);
  });

  it('knows the lead fields, anything under attributes, qualification, source and sender, and the unsubscribe link', () => {
    const source =
      '{{firstName}} {{lastName}} {{email}} {{company}} {{jobTitle}} {{locale}} {{stage}} {{attributes.a.b}} ' +
      '{{qualification.budget}} {{source.utm.campaign}} {{sender.address}} {{unsubscribeUrl}}';
    expect(unknownVariables(source)).toEqual([]);
    expect(KNOWN_VARIABLES).toContain('attributes.*');
  });

  it('checks against the list the caller gives', () => {
    expect(unknownVariables('{{firstName}} {{coupon.code}}', ['firstName'])).toEqual([{ name: 'coupon.code', line: 1 }]);
    expect(unknownVariables('{{firstName}} {{coupon.code}}', ['firstName', 'coupon.*'])).toEqual([]);
  });

  it('answers a template with broken syntax with a TemplateError naming the line', () => {
    expect(() => unknownVariables('a\n{{#if x}}')).toThrow(TemplateError);
    try {
      referencedVariables('a\nb {{firstName');
    } catch (err) {
      expect(err).toMatchObject({ line: 2 });
    }
    expect.assertions(2);
  });
});
