import { Inject, Injectable } from '@nestjs/common';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { checkWebhookUrl, isPrivateAddress, type WebhookUrlCheck } from './domain/index.js';

/** Resolves a host to all its addresses (IPv4 and IPv6). */
async function resolveAll(host: string): Promise<string[]> {
  return (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * The SSRF policy at both ends: when a subscription is created (checkWebhookUrl with this machine's DNS)
 * and when a delivery connects — `lookup` is handed to the HTTP client, so the address actually dialled
 * is the one checked (a DNS answer that changes to a private address in between is refused).
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true turns the address checks off (development, on-premise receivers).
 */
@Injectable()
export class WebhookUrlGuard {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  check(url: string): Promise<WebhookUrlCheck> {
    return checkWebhookUrl(url, { allowPrivate: this.config.webhooks.allowPrivateNetworks, lookup: resolveAll });
  }

  /** A `lookup` for node:http(s) that refuses non-public addresses unless private networks are allowed. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true, family: options.family }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      if (!this.config.webhooks.allowPrivateNetworks) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad) {
          const refused = Object.assign(new Error(`host ${hostname} resolves to ${bad.address}, which is not a public address`), { code: 'EWEBHOOKPRIVATE' });
          return callback(refused, '', 0);
        }
      }
      if (!list.length) return callback(Object.assign(new Error(`host ${hostname} has no addresses`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
