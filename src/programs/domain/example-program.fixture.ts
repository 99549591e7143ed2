/** The example program from API.md ("Programs"), as a client would send it. For tests. */
export function exampleProgramJson(): Record<string, unknown> {
  return {
    name: 'Website-gids opvolging',
    trigger: { type: 'event', eventType: 'content_downloaded', where: { 'properties.asset': 'gids-website-kosten' } },
    goal: { anyOf: [{ stageAtLeast: 'mql' }, { event: 'meeting_booked' }] },
    reenrollment: { policy: 'after', days: 90 },
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
    steps: [
      { id: 'welcome', type: 'email', templateId: 'tpl-welcome', next: 'wait1' },
      { id: 'wait1', type: 'wait', duration: 'P3D', next: 'clicked' },
      { id: 'clicked', type: 'branch', if: { clicked: { step: 'welcome' } }, then: 'case', else: 'reminder' },
      { id: 'reminder', type: 'email', templateId: 'tpl-reminder', next: 'end' },
      { id: 'case', type: 'email', templateId: 'tpl-case', next: 'end' },
      { id: 'end', type: 'exit' },
    ],
  };
}
