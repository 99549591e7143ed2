import type { TrackingTokenCodec } from '../../tracking/domain/tracking-token.js';

/**
 * The click URL of message `m` up to its link index: `${base}/t/c/` and the click token without the index.
 * A click token is the message's signed payload and MAC followed by `.` and the index (see
 * TrackingTokenCodec), so `clickUrlPrefix(base, codec, m) + l` is the URL of link `l`, signed as
 * `codec.sign({ k: 'c', m, l })` signs it. The renderer appends the indexes itself (RenderContext).
 */
export function clickUrlPrefix(base: string, codec: TrackingTokenCodec, m: string): string {
  const first = codec.sign({ k: 'c', m, l: 0 });
  return `${base}/t/c/${first.slice(0, -1)}`;
}
