import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { useSuppressionSalt } from './email-hash.js';

/**
 * Reads the per-install salt of the suppression hash once, before any module that sends or suppresses
 * starts working, so {@link emailHash} in this process matches emailHashSql in PostgreSQL.
 */
@Injectable()
export class SuppressionSaltLoader implements OnModuleInit {
  constructor(private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [row]: { salt: string }[] = await this.db.query(`SELECT salt FROM suppression_hash_salt`);
    if (!row) throw new Error('suppression_hash_salt is empty: run the migrations');
    useSuppressionSalt(row.salt);
  }
}
