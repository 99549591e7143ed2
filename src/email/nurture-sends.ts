/**
 * Nurture emails that may count under the frequency cap (see capSendTime in programs/domain/frequency-cap.ts),
 * of the leads in `leads` (an SQL uuid[]): every one still waiting for delivery, whatever its age, and those
 * sent or held after `since` (an SQL timestamptz). Each comes once, with its status and the instant its row
 * knows best (`known_at`): when the relay accepted it, else when its send began (held), else when it was queued.
 * Failed and suppressed emails never reached the lead and are left out. Found through email_messages_lead_sent.
 */
export function nurtureSendsSql(leads: string, since: string): string {
  const knownAt = `coalesce(CASE status WHEN 'sent' THEN sent_at WHEN 'held' THEN sending_at END, created_at)`;
  return `SELECT id, lead_id, status, ${knownAt} AS known_at FROM email_messages
           WHERE kind = 'nurture' AND lead_id = ANY(${leads}) AND status IN ('queued', 'sending', 'sent', 'held')
             AND (status IN ('queued', 'sending') OR ${knownAt} > ${since})`;
}
