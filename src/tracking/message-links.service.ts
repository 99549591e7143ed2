import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LruCache } from './domain/lru-cache.js';
import { LinkCacheBus } from './link-cache-bus.js';

type Links = readonly (string | undefined)[];

/** Most message ids read in one query; more misses in the same moment go in the next one. */
const MAX_BATCH = 500;

interface Waiting {
  resolve: (links: Links) => void;
  reject: (err: unknown) => void;
}

/**
 * The original targets of a sent message's links, by link index, for click redirects. They never change
 * once the message is sent, so they are kept in memory (LRU). Misses are read in batches: every message not
 * in memory asked for during one turn of the event loop is read by one primary-key query
 * (`WHERE id = ANY(…)`), and concurrent clicks on the same message share it. A fresh campaign is mostly
 * first clicks, so this turns one query per click into one query per burst. Only http(s) targets are ever
 * returned: the redirect target comes from the stored message, never from the request. When a lead is
 * erased, every API process forgets all it holds (LinkCacheBus), so none redirects to links of theirs.
 */
@Injectable()
export class MessageLinks {
  private readonly cache: LruCache<string, Links>;
  private readonly loading = new Map<string, Promise<Links>>();
  private batch = new Map<string, Waiting[]>();
  private flushScheduled = false;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    bus: LinkCacheBus,
  ) {
    this.cache = new LruCache(config.trackingLinkCacheSize);
    // An erasure blanks a lead's stored links: every API process forgets what it holds (see LinkCacheBus).
    if (config.trackingLinkCacheSize > 0) bus.listen(() => this.cache.clear());
  }

  /** The URL link `index` of message `messageId` pointed to, or null when there is no such link. */
  async url(messageId: string, index: number): Promise<string | null> {
    const links = this.cache.get(messageId) ?? (await this.load(messageId));
    return links[index] ?? null;
  }

  private load(messageId: string): Promise<Links> {
    let pending = this.loading.get(messageId);
    if (!pending) {
      pending = new Promise<Links>((resolve, reject) => this.enqueue(messageId, { resolve, reject })).finally(() => this.loading.delete(messageId));
      this.loading.set(messageId, pending);
    }
    return pending;
  }

  private enqueue(messageId: string, waiting: Waiting): void {
    const list = this.batch.get(messageId);
    if (list) list.push(waiting);
    else this.batch.set(messageId, [waiting]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush()); // after the requests read in this turn of the event loop
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const all = this.batch;
    this.batch = new Map();
    const ids = [...all.keys()];
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const chunk = ids.slice(i, i + MAX_BATCH);
      void this.fetch(chunk).then(
        (found) => {
          for (const id of chunk) for (const w of all.get(id)!) w.resolve(found.get(id) ?? []);
        },
        (err: unknown) => {
          for (const id of chunk) for (const w of all.get(id)!) w.reject(err);
        },
      );
    }
  }

  private async fetch(messageIds: string[]): Promise<Map<string, Links>> {
    const rows: { id: string; links: unknown }[] = await this.db.query(`SELECT id, links FROM email_messages WHERE id = ANY($1::uuid[])`, [messageIds]);
    const found = new Map<string, Links>();
    for (const row of rows) {
      const links = parseLinks(row.links);
      found.set(row.id, links);
      // A message being sent right now may not have its links yet: only a message with links is cached.
      if (links.length) this.cache.set(row.id, links);
    }
    return found;
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
