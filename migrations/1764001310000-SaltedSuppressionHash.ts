import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Salts the suppression hash (issue #6): a random per-install secret, generated here once from
 * PostgreSQL's strong random source (two random UUIDs, 244 random bits), and existing keys re-keyed from
 * SHA-256(address) to SHA-256(salt ‖ SHA-256(address)) — possible without the addresses, which erased
 * leads no longer have. Keeps the hashes of bounce records comparable too.
 */
export class SaltedSuppressionHash1764001310000 implements MigrationInterface {
  name = 'SaltedSuppressionHash1764001310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE suppression_hash_salt (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        salt text NOT NULL
      )`);
    await q.query(`INSERT INTO suppression_hash_salt (salt) VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))`);
    const salted = (column: string) => `encode(sha256(convert_to((SELECT salt FROM suppression_hash_salt) || ${column}, 'UTF8')), 'hex')`;
    await q.query(`UPDATE suppressions SET email_hash = ${salted('email_hash')}`);
    await q.query(`UPDATE email_bounces SET email_hash = ${salted('email_hash')} WHERE email_hash IS NOT NULL`);
  }

  async down(): Promise<void> {
    throw new Error('irreversible: the unsalted hashes cannot be recovered from the salted ones');
  }
}
