import { DEFAULT_SCORING_MODEL } from './domain/index.js';
import { INTENT_LOOKBACK_DAYS, intentParams, leadIntentSql } from './lead-intent.js';

describe('lead intent for templates', () => {
  it("splits the model's event types into high and medium, and looks back INTENT_LOOKBACK_DAYS", () => {
    const p = intentParams(DEFAULT_SCORING_MODEL, new Date('2026-03-02T10:00:00Z'));
    expect(p.high.sort()).toEqual(['contact_requested', 'meeting_booked', 'quote_requested']);
    expect(p.medium).toContain('content_downloaded');
    expect(p.medium).not.toContain('blog_read');
    expect(new Date('2026-03-02T10:00:00Z').getTime() - new Date(p.since).getTime()).toBe(INTENT_LOOKBACK_DAYS * 86_400_000);
  });

  it('follows a changed model: a type moved to high counts as high', () => {
    const p = intentParams({ intentTiers: { blog_read: 'high', quote_requested: 'low' } }, new Date());
    expect(p).toMatchObject({ high: ['blog_read'], medium: [] });
  });

  it('reads the tier with the placeholders given, NULL for no lead', () => {
    const sql = leadIntentSql('l.id', { high: '$2', medium: '$3', since: '$4' });
    expect(sql).toMatch(/^CASE WHEN l\.id IS NULL THEN NULL ELSE coalesce\([\s\S]*ANY\(\$2::text\[\]\)\) THEN 'high' ELSE 'medium' END[\s\S]*ANY\(\$3::text\[\]\)[\s\S]*, 'low'\) END$/);
    expect(sql).toContain('ev.occurred_at >= $4::timestamptz');
    expect(sql).toContain('NOT ev.machine');
  });
});
