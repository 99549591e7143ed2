/**
 * Whether `text` matches the glob `pattern` as a whole, ignoring case: `*` matches any run of
 * characters (also none), `?` exactly one; every other character matches itself.
 *
 * No RegExp is built from the pattern. The matcher walks text and pattern once, and on a mismatch
 * only retries from the most recent `*`; that is O(text × pattern) at worst, so no pattern a
 * marketer writes can make it backtrack exponentially.
 */
export function globMatches(pattern: string, text: string): boolean {
  const p = Array.from(pattern.toLowerCase());
  const t = Array.from(text.toLowerCase());
  let pi = 0;
  let ti = 0;
  let starAt = -1; // pattern index of the last `*` seen
  let starText = 0; // text index that `*` currently stretches to

  while (ti < t.length) {
    if (pi < p.length && p[pi] === '*') {
      starAt = pi++;
      starText = ti;
    } else if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (starAt >= 0) {
      // Let the last `*` swallow one more character and retry the rest of the pattern after it.
      pi = starAt + 1;
      ti = ++starText;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
