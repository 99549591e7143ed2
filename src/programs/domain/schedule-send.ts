import { nextAllowedSend, type FrequencyCap } from './frequency-cap.js';
import type { SendWindow } from './program-definition.js';
import { nextSendTime } from './send-window.js';

/**
 * When an email desired at `desired` actually goes out: the earliest instant that is both inside
 * the program's send window (in the lead's zone) and within the frequency cap given the lead's
 * other sends. Alternates the two rules until both hold; each round moves past at least one
 * earlier send leaving the cap window, so the number of rounds is bounded by the history.
 */
export function scheduleSend(
  desired: Date,
  window: SendWindow,
  zone: string,
  sentAt: readonly Date[],
  cap: FrequencyCap,
): Date {
  let at = desired;
  for (let round = 0; round <= sentAt.length + 1; round++) {
    const inWindow = nextSendTime(at, window, zone);
    const allowed = nextAllowedSend(sentAt, inWindow, cap);
    if (allowed.getTime() === inWindow.getTime()) return allowed;
    at = allowed;
  }
  throw new Error('unreachable: a send window opening after the last send plus the cap window always fits');
}
