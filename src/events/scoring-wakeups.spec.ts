import type { Queue } from 'bullmq';
import type { ScoreLeadsJob } from '../infra/queue/queue-names.js';
import { JOB_CHUNK, ScoringWakeups, WAKEUP_WINDOW_MS } from './scoring-wakeups.js';

class FakeQueue {
  readonly bulks: { name: string; data: ScoreLeadsJob }[][] = [];
  failing = false;
  async addBulk(jobs: { name: string; data: ScoreLeadsJob }[]) {
    if (this.failing) throw new Error('redis down');
    this.bulks.push(jobs);
    return jobs;
  }
}

const wakeupsOn = (q: FakeQueue) => new ScoringWakeups(q as unknown as Queue<ScoreLeadsJob>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scoring wake-ups', () => {
  it('gathers the leads of requests within a few milliseconds into one job, each lead once', async () => {
    const q = new FakeQueue();
    const w = wakeupsOn(q);
    w.request(['a', 'b']);
    w.request(['b', 'c']);
    expect(q.bulks).toHaveLength(0);
    await sleep(WAKEUP_WINDOW_MS + 20);
    expect(q.bulks).toEqual([[{ name: 'score', data: { leadIds: ['a', 'b', 'c'] } }]]);
  });

  it('sends at once, in jobs of at most JOB_CHUNK leads, when a request brings many leads', async () => {
    const q = new FakeQueue();
    const w = wakeupsOn(q);
    w.request(Array.from({ length: JOB_CHUNK * 2 + 1 }, (_, i) => `l${i}`));
    await w.flush();
    expect(q.bulks).toHaveLength(1);
    expect(q.bulks[0].map((j) => j.data.leadIds.length)).toEqual([JOB_CHUNK, JOB_CHUNK, 1]);
  });

  it('never throws when Redis is down (the sweep scores the stored events), and hands over what is gathered on shutdown', async () => {
    const q = new FakeQueue();
    const w = wakeupsOn(q);
    q.failing = true;
    w.request(['a']);
    await expect(w.flush()).resolves.toBeUndefined();
    q.failing = false;
    w.request(['b']);
    await w.onModuleDestroy();
    expect(q.bulks).toEqual([[{ name: 'score', data: { leadIds: ['b'] } }]]);
  });
});
