import { createHash, createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 for short messages (at most {@link SHORT_MESSAGE_MAX} bytes), tuned for signing
 * tracking tokens on every send.
 *
 * `createHmac` costs about 3 µs per call in Node, mostly object set-up; an email with twenty links
 * would spend most of its render budget there. The key's inner and outer pad blocks are hashed once
 * (their SHA-256 "midstates" are kept), so each MAC costs exactly two compression rounds in plain
 * JavaScript. The output is standard HMAC-SHA256 (RFC 2104); the spec checks it against node:crypto.
 */
export const SHORT_MESSAGE_MAX = 55; // one 64-byte block minus the 0x80 marker and the 8-byte length

// FIPS 180-4 §4.2.2 round constants and §5.3.3 initial hash value.
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;

export class ShortHmac {
  private readonly innerMidstate = new Int32Array(8);
  private readonly outerMidstate = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly w = new Int32Array(64);

  constructor(private readonly key: Uint8Array) {
    const block = new Uint8Array(BLOCK);
    // RFC 2104: keys longer than the block are hashed first.
    block.set(key.length > BLOCK ? createHash('sha256').update(key).digest() : key);
    this.innerMidstate.set(H0);
    this.outerMidstate.set(H0);
    this.loadBlock(block, 0x36);
    compress(this.innerMidstate, this.w);
    this.loadBlock(block, 0x5c);
    compress(this.outerMidstate, this.w);
  }

  /** The 32-byte HMAC-SHA256 of `message`. */
  mac(message: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(32);
    this.digestInto(message, message.length, out);
    return out;
  }

  /** Writes the HMAC of `message[0..length)` into `out[0..32)`; allocates nothing for short messages. */
  digestInto(message: Uint8Array, length: number, out: Uint8Array): void {
    if (length > SHORT_MESSAGE_MAX) {
      out.set(createHmac('sha256', this.key).update(message.subarray(0, length)).digest());
      return;
    }
    const { state, w } = this;
    // inner = SHA256((key ^ ipad) || message): the pad block is already in the midstate.
    state.set(this.innerMidstate);
    this.loadPaddedMessage(message, length, BLOCK + length);
    compress(state, w);
    // outer = SHA256((key ^ opad) || inner)
    w.fill(0, 8, 16);
    for (let i = 0; i < 8; i++) w[i] = state[i];
    w[8] = 0x80000000 | 0;
    w[15] = (BLOCK + 32) * 8;
    state.set(this.outerMidstate);
    compress(state, w);
    for (let i = 0; i < 8; i++) {
      const word = state[i];
      out[i * 4] = word >>> 24;
      out[i * 4 + 1] = word >>> 16;
      out[i * 4 + 2] = word >>> 8;
      out[i * 4 + 3] = word;
    }
  }

  private loadBlock(block: Uint8Array, pad: number): void {
    for (let i = 0; i < 16; i++) {
      const o = i * 4;
      this.w[i] =
        ((block[o] ^ pad) << 24) | ((block[o + 1] ^ pad) << 16) | ((block[o + 2] ^ pad) << 8) | (block[o + 3] ^ pad);
    }
  }

  /** Message bytes, the 0x80 marker, zeros, and the total bit length in the last word. */
  private loadPaddedMessage(message: Uint8Array, length: number, totalBytes: number): void {
    const w = this.w;
    w.fill(0, 0, 16);
    for (let i = 0; i < length; i++) w[i >> 2] |= message[i] << (24 - 8 * (i & 3));
    w[length >> 2] |= 0x80 << (24 - 8 * (length & 3));
    w[15] = totalBytes * 8;
  }
}

/** One SHA-256 compression round over the 16 words in `w[0..15]`; `w` is used as the schedule. */
function compress(state: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3];
  let e = state[4], f = state[5], g = state[6], h = state[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t] + w[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
}
