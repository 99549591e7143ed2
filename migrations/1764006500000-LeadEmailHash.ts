import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each lead keeps the suppression-list key of its address (leads.email_hash: the salted hash of email_normalized,
 * as email-hash.ts computes it), so that enrolling many leads finds the list entries of their addresses by a join
 * on the list's primary key instead of hashing every lead's address in the statement. It cannot be a generated
 * column (the salt is read from suppression_hash_salt), so a row trigger writes it wherever email_normalized is
 * written: a lead created by the API, by an event or straight in SQL, an address changed, an erased lead's
 * placeholder (whose key then no longer points at its real address's entry). Existing leads are backfilled here.
 * No index on it: the join goes from the leads to the list's primary key. Since the trigger runs for every row an
 * INSERT proposes, also those ON CONFLICT then skips, a writer of many known addresses leaves those out first.
 */
export class LeadEmailHash1764006500000 implements MigrationInterface {
  name = 'LeadEmailHash1764006500000';

  async up(q: QueryRunner): Promise<void> {
    const key = (address: string) =>
      `encode(sha256(convert_to((SELECT salt FROM suppression_hash_salt) || encode(sha256(convert_to(lower(btrim(${address})), 'UTF8')), 'hex'), 'UTF8')), 'hex')`;
    await q.query(`ALTER TABLE leads ADD COLUMN email_hash text`);
    await q.query(`UPDATE leads SET email_hash = ${key('email_normalized')}`);
    await q.query(`ALTER TABLE leads ALTER COLUMN email_hash SET NOT NULL`);
    await q.query(`
      CREATE FUNCTION leads_email_hash() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.email_hash := ${key('NEW.email_normalized')};
        RETURN NEW;
      END $$`);
    // Also when email_hash alone is set: the column always holds the key of the lead's own address.
    await q.query(`CREATE TRIGGER leads_email_hash BEFORE INSERT OR UPDATE OF email_normalized, email_hash ON leads FOR EACH ROW EXECUTE FUNCTION leads_email_hash()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS leads_email_hash ON leads`);
    await q.query(`DROP FUNCTION IF EXISTS leads_email_hash()`);
    await q.query(`ALTER TABLE leads DROP COLUMN IF EXISTS email_hash`);
  }
}
