import type { AppConfig } from '../config/app-config.js';
import { slaDueAt, type HandoffPriority } from './domain/index.js';

/**
 * SLA deadlines from one moment, per priority. Every hand-off of a batch starts at the same instant, and
 * office-time arithmetic costs about a millisecond, so each priority's deadline is computed once.
 */
export function deadlines(from: Date, config: AppConfig): (priority: HandoffPriority) => Date {
  const memo = new Map<HandoffPriority, Date>();
  return (priority) => {
    let at = memo.get(priority);
    if (!at) {
      at = slaDueAt(from, priority, config.handoffs.officeWeek, config.handoffs.sla);
      memo.set(priority, at);
    }
    return at;
  };
}
