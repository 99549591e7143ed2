import { HONEYPOT_LINK_INDEX } from './honeypot.js';
import { HUMAN, machine, requestSignal, type MachineReason, type Verdict } from './machine-signals.js';
import type { TrackingHit } from './tracking-hit.js';

/**
 * Judges a batch of opens and clicks, human or machine. Besides the request signals (machine-signals.ts),
 * clicks are checked against what link scanners in mail security gateways do:
 * - `scanner_too_soon`: a click within `scannerWindowMs` of the message being sent (default 10 s) — people
 *   don't read that fast, gateways scan at delivery. A click on a message not yet marked sent counts too.
 * - `scanner_burst`: clicks on two different links of one message within `burstWindowMs` (default 2 s);
 *   a person has to go back to the email between two clicks. Both clicks are the scanner's.
 * - `scanner_honeypot_peer`: clicks on a message from the address that clicked its honeypot link, within
 *   `honeypotPeerWindowMs` either side.
 * Clicks stored earlier (`prior`) can turn out to be a scanner's once a later click arrives; they are
 * returned in `reclassified` so the caller can correct them.
 */
export interface ScannerSettings {
  scannerWindowMs: number;
  burstWindowMs: number;
  honeypotPeerWindowMs: number;
}

export interface SentMessageFacts {
  /** When the message was handed to the mail server (ms), or null when it is not marked sent yet. */
  sentAt: number | null;
}

/** A click already stored, as far as these rules need it. */
export interface PriorClick {
  id: string;
  messageId: string;
  linkIndex: number | null;
  ip: string | null;
  at: number;
  machine: boolean;
}

export interface Classification {
  /** One verdict per hit, in the order given. */
  verdicts: Verdict[];
  /** Stored clicks that were judged human and are now known to be a scanner's. */
  reclassified: { id: string; reason: MachineReason }[];
}

interface Click {
  /** Index in the batch, or -1 for a prior click. */
  hit: number;
  id: string;
  linkIndex: number | null;
  ip: string | null;
  at: number;
  verdict: Verdict;
  wasMachine: boolean;
}

export function classifyHits(
  hits: readonly TrackingHit[],
  messages: ReadonlyMap<string, SentMessageFacts>,
  prior: readonly PriorClick[],
  settings: ScannerSettings,
): Classification {
  const verdicts = hits.map((hit) => {
    const signal = requestSignal(hit);
    if (signal) return machine(signal);
    if (hit.kind === 'click') {
      const sentAt = messages.get(hit.messageId)?.sentAt ?? null;
      if (sentAt === null || hit.at - sentAt < settings.scannerWindowMs) return machine('scanner_too_soon');
    }
    return HUMAN;
  });

  const byMessage = new Map<string, Click[]>();
  const add = (messageId: string, click: Click) => {
    const list = byMessage.get(messageId);
    if (list) list.push(click);
    else byMessage.set(messageId, [click]);
  };
  const inBatch = new Set(hits.map((h) => h.id));
  for (const p of prior) {
    if (inBatch.has(p.id)) continue; // delivered twice: judge the copy in this batch
    add(p.messageId, { hit: -1, id: p.id, linkIndex: p.linkIndex, ip: p.ip, at: p.at, verdict: p.machine ? machine('scanner_burst') : HUMAN, wasMachine: p.machine });
  }
  hits.forEach((h, i) => {
    if (h.kind === 'click') add(h.messageId, { hit: i, id: h.id, linkIndex: h.linkIndex, ip: h.ip, at: h.at, verdict: verdicts[i], wasMachine: false });
  });

  const reclassified: Classification['reclassified'] = [];
  for (const clicks of byMessage.values()) {
    if (clicks.length < 2) continue;
    clicks.sort((a, b) => a.at - b.at);
    markBursts(clicks, settings.burstWindowMs);
    markHoneypotPeers(clicks, settings.honeypotPeerWindowMs);
    for (const c of clicks) {
      if (c.hit >= 0) verdicts[c.hit] = c.verdict;
      else if (!c.wasMachine && c.verdict.machine) reclassified.push({ id: c.id, reason: c.verdict.reason });
    }
  }
  return { verdicts, reclassified };
}

/** Marks every click that has a click on another link of the same message within the window (sorted by time). */
function markBursts(clicks: Click[], windowMs: number): void {
  let start = 0;
  for (let i = 0; i < clicks.length; i++) {
    while (clicks[i].at - clicks[start].at > windowMs) start++;
    for (let j = start; j < i; j++) {
      if (clicks[j].linkIndex !== clicks[i].linkIndex) {
        flag(clicks[j], 'scanner_burst');
        flag(clicks[i], 'scanner_burst');
      }
    }
  }
}

/** Clicks from the address that clicked the honeypot, near it in time. An unknown address is nobody's peer. */
function markHoneypotPeers(clicks: Click[], windowMs: number): void {
  const traps = clicks.filter((c) => c.linkIndex === HONEYPOT_LINK_INDEX && c.ip !== null);
  for (const trap of traps) {
    for (const c of clicks) {
      if (c !== trap && c.ip === trap.ip && Math.abs(c.at - trap.at) <= windowMs) flag(c, 'scanner_honeypot_peer');
    }
  }
}

function flag(click: Click, reason: MachineReason): void {
  if (!click.verdict.machine) click.verdict = machine(reason);
}
