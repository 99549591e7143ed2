import { describeTemplateUse } from './template-use.js';

describe('what a program sends a template through, as the refusal to archive it says', () => {
  const use = { programId: 'p1', name: 'Welkom', draft: false, versions: [] as number[], currentVersion: 3 };

  it('names the draft, the current version and older versions that leads are still in', () => {
    expect(describeTemplateUse({ ...use, draft: true, versions: [1, 3] })).toBe(
      'program p1 "Welkom" sends it: its draft, version 1 (leads still enrolled), published version 3 (current)',
    );
  });

  it('names a draft never published alone', () => {
    expect(describeTemplateUse({ ...use, draft: true, currentVersion: null })).toBe('program p1 "Welkom" sends it: its draft');
  });
});
