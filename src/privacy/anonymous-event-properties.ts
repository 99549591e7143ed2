const UUID = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;

/**
 * SQL: what an event row `e` keeps of its properties once they are anonymised (erasure, retention): nothing,
 * except that an `unsubscribed` event recorded from one of the lead's nurture emails keeps that email's id,
 * enrollment and step, which the program statistics count unsubscribes by. They are read from the email's own
 * row, so nothing the event was sent with survives, and anonymising again changes nothing.
 */
export function anonymousEventPropertiesSql(e: string): string {
  return `coalesce((SELECT jsonb_build_object('messageId', m.id, 'enrollmentId', m.enrollment_id, 'stepId', m.step_id) FROM email_messages m
                     WHERE ${e}.type = 'unsubscribed'
                       AND m.id = CASE WHEN ${e}.properties->>'messageId' ~* ${UUID} THEN (${e}.properties->>'messageId')::uuid END
                       AND m.lead_id = ${e}.lead_id AND m.enrollment_id IS NOT NULL AND m.step_id IS NOT NULL), '{}'::jsonb)`;
}
