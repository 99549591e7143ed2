import type { FieldError } from '../common/domain-error.js';

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestItemResult {
  index: number;
  status: IngestStatus;
  eventId?: string;
  leadId?: string;
  /** Accepted as historical: it occurred more than EVENT_LIVE_WINDOW_HOURS before it was received (see EventFacts). */
  historical?: true;
  errors?: FieldError[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  items: IngestItemResult[];
}
