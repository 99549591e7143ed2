import type { FieldError } from '../common/domain-error.js';

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestItemResult {
  index: number;
  status: IngestStatus;
  eventId?: string;
  leadId?: string;
  errors?: FieldError[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  items: IngestItemResult[];
}
