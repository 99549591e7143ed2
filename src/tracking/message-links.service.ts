import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LruCache } from './domain/lru-cache.js';

type Links = readonly (string | undefined)[];

/**
 * The original targets of a sent message's links, by link index, for click redirects. They never change
 * once the message is sent, so they are kept in memory (LRU); a miss is one primary-key read, shared by
 * concurrent clicks on the same message. Only http(s) targets are ever returned: the redirect target comes
 * from the stored message, never from the request.
 */
@Injectable()
export class MessageLinks {
  private readonly cache: LruCache<string, Links>;
  private readonly loading = new Map<string, Promise<Links>>();

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cache = new LruCache(config.trackingLinkCacheSize);
  }

  /** The URL link `index` of message `messageId` pointed to, or null when there is no such link. */
  async url(messageId: string, index: number): Promise<string | null> {
    const links = this.cache.get(messageId) ?? (await this.load(messageId));
    return links[index] ?? null;
  }

  private load(messageId: string): Promise<Links> {
    let pending = this.loading.get(messageId);
    if (!pending) {
      pending = this.fetch(messageId).finally(() => this.loading.delete(messageId));
      this.loading.set(messageId, pending);
    }
    return pending;
  }

  private async fetch(messageId: string): Promise<Links> {
    const [row]: { links: unknown }[] = await this.db.query(`SELECT links FROM email_messages WHERE id = $1`, [messageId]);
    const links = parseLinks(row?.links);
    // A message being sent right now may not have its links yet: only a message with links is cached.
    if (links.length) this.cache.set(messageId, links);
    return links;
  }
}

/** `[{index, url}]` as stored by delivery → URLs by index; anything but an absolute http(s) URL is left out. */
export function parseLinks(stored: unknown): Links {
  const out: (string | undefined)[] = [];
  if (!Array.isArray(stored)) return out;
  for (const link of stored) {
    const { index, url } = (link ?? {}) as { index?: unknown; url?: unknown };
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 0xffff || typeof url !== 'string') continue;
    const safe = safeRedirect(url);
    if (safe) out[index as number] = safe;
  }
  return out;
}

function safeRedirect(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
