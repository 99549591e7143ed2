/**
 * Who a lead is and how to reach them: the fields every view of a lead (API, hand-off, email template, program
 * conditions) shows alike.
 */
export interface LeadContact {
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  jobTitle: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
}

/** Those fields as the `leads` table names them. */
export interface LeadContactRow {
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  job_title: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
}

/** The contact fields of a `leads` row (snake_case columns). */
export function leadContactOf(row: LeadContactRow): LeadContact {
  return {
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    company: row.company,
    jobTitle: row.job_title,
    phone: row.phone,
    locale: row.locale,
    timezone: row.timezone,
  };
}
