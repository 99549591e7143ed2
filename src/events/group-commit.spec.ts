import { GroupCommit } from './group-commit.js';

/** A request: a list of names; a name starting with "bad" makes any group holding it fail. */
type Req = string[];

/** Runs each group when told; answers each request with its names upper-cased. */
class FakeStore {
  readonly groups: Req[][] = [];
  private readonly pending: (() => void)[] = [];

  execute = (group: Req[]): Promise<string[][]> => {
    this.groups.push(group);
    return new Promise((resolve, reject) => {
      this.pending.push(() => {
        if (group.some((r) => r.some((n) => n.startsWith('bad')))) return reject(new Error('constraint violation'));
        resolve(group.map((r) => r.map((n) => n.toUpperCase())));
      });
    });
  };
  get open(): number {
    return this.pending.length;
  }
  answer(): void {
    this.pending.shift()!();
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const IN_FLIGHT = 2;
const MAX = 4000;
const commits = (s: FakeStore) => new GroupCommit<Req, string[]>(s.execute, (r) => r.length, MAX, IN_FLIGHT);

/** Answers groups as they come until `done` settles. */
async function answerUntil(s: FakeStore, done: Promise<unknown>): Promise<void> {
  while ((await Promise.race([done.then(() => true, () => true), tick().then(() => false)])) === false) if (s.open) s.answer();
}

describe('group commit (ingestion transactions shared by concurrent requests)', () => {
  it('writes a request at once when idle, and the requests arriving meanwhile together in one group, each answered on its own', async () => {
    const s = new FakeStore();
    const c = commits(s);
    const first = Array.from({ length: IN_FLIGHT }, (_, i) => c.submit([`a${i}`]));
    expect(s.groups).toHaveLength(IN_FLIGHT);
    const later = [c.submit(['b', 'c']), c.submit(['d']), c.submit(['e'])];
    expect(s.groups).toHaveLength(IN_FLIGHT);
    s.answer();
    expect(await first[0]).toEqual(['A0']);
    await tick();
    expect(s.groups).toHaveLength(IN_FLIGHT + 1);
    expect(s.groups[IN_FLIGHT]).toEqual([['b', 'c'], ['d'], ['e']]); // three requests, one group
    while (s.open) s.answer();
    expect(await Promise.all(later)).toEqual([['B', 'C'], ['D'], ['E']]);
  });

  it('never puts more than the maximum rows in a group, nor splits a request', async () => {
    const s = new FakeStore();
    const c = commits(s);
    const big = (p: string) => Array.from({ length: 1000 }, (_, i) => `${p}${i}`);
    const all = Promise.all(Array.from({ length: IN_FLIGHT + 6 }, (_, r) => c.submit(big(`r${r}-`))));
    await answerUntil(s, all);
    expect(s.groups.length).toBeGreaterThan(IN_FLIGHT);
    expect(s.groups.every((g) => g.flat().length <= MAX && g.every((r) => r.length === 1000))).toBe(true);
    expect((await all).map((r) => r[0])).toEqual(Array.from({ length: IN_FLIGHT + 6 }, (_, r) => `R${r}-0`));
  });

  it("retries each request of a failed group on its own, so one request's error fails only that request", async () => {
    const s = new FakeStore();
    const c = commits(s);
    const busy = Array.from({ length: IN_FLIGHT }, (_, i) => c.submit([`x${i}`]));
    const good = c.submit(['good']);
    const bad = c.submit(['bad']);
    const outcome = Promise.allSettled([good, bad]);
    await answerUntil(s, outcome);
    const [g, b] = await outcome;
    expect(g).toEqual({ status: 'fulfilled', value: ['GOOD'] });
    expect(b).toMatchObject({ status: 'rejected' });
    expect(s.groups.filter((grp) => grp.length === 2)).toHaveLength(1); // good and bad shared one group first
    await Promise.all(busy);
  });
});
