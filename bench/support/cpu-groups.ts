import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';

/**
 * CPU weights for processes, as systemd's `CPUWeight=` gives them to services: two control groups under the
 * cpu controller, one weighted high (the request path) and one low (storing and scoring), with processes moved
 * in for a while and back to the root group afterwards. cgroup v1 (`cpu.shares`, default 1024) and v2
 * (`cpu.weight`, default 100) are both handled. Needs root.
 */
const V1 = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';

interface Hierarchy {
  root: string;
  /** The weight file and the value for a weight given in cgroup v1's units (1024 = the default). */
  weight(shares: number): [file: string, value: string];
}

function hierarchy(): Hierarchy | null {
  if (process.getuid?.() !== 0) return null;
  if (existsSync(`${V1}/cpu.shares`)) return { root: V1, weight: (shares) => ['cpu.shares', String(shares)] };
  try {
    if (readFileSync(`${V2}/cgroup.subtree_control`, 'utf8').split(/\s+/).includes('cpu')) {
      return { root: V2, weight: (shares) => ['cpu.weight', String(Math.max(1, Math.min(10_000, Math.round((shares * 100) / 1024))))] };
    }
  } catch {
    // no cgroup v2 with the cpu controller enabled
  }
  return null;
}

/** Whether this process can weight others (root, with a cpu controller it can write). */
export function canWeightCpu(): boolean {
  return hierarchy() !== null;
}

/** A control group to make for a while: its name, its weight in cgroup v1 units (1024 = the default) and the processes to move in. */
export interface CpuGroup {
  name: string;
  shares: number;
  pids: number[];
}

/**
 * Runs `work` with the `high` processes in a group of weight `highShares` and the `low` ones in a group of
 * weight `lowShares` (cgroup v1 units).
 */
export function withCpuWeights<T>(groups: { high: number[]; low: number[]; highShares: number; lowShares: number }, work: () => Promise<T>): Promise<T> {
  return withCpuGroups(
    [
      { name: 'high', pids: groups.high, shares: groups.highShares },
      { name: 'low', pids: groups.low, shares: groups.lowShares },
    ],
    work,
  );
}

/**
 * Runs `work` with each group's processes in a control group of its own with the group's weight, then moves them
 * all back to the root group (with any process forked into a group meanwhile) and removes the groups, also when
 * `work` fails. A process that is gone by then is skipped.
 */
export async function withCpuGroups<T>(groups: CpuGroup[], work: () => Promise<T>): Promise<T> {
  const h = hierarchy();
  if (!h) throw new Error('CPU weights need root and a writable cpu cgroup controller');
  const made: string[] = [];
  const move = (dir: string, pids: number[]) => {
    for (const pid of pids) {
      try {
        writeFileSync(`${dir}/cgroup.procs`, String(pid));
      } catch {
        // gone
      }
    }
  };
  try {
    for (const { name, pids, shares } of groups) {
      const dir = `${h.root}/nurture-bench-${name}`;
      mkdirSync(dir, { recursive: true });
      made.push(dir);
      const [file, value] = h.weight(shares);
      writeFileSync(`${dir}/${file}`, value);
      move(dir, pids);
    }
    return await work();
  } finally {
    move(h.root, groups.flatMap((g) => g.pids));
    for (const dir of made) {
      try {
        // and what was forked into the group meanwhile (PostgreSQL's new backends)
        move(h.root, readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number));
        rmdirSync(dir);
      } catch {
        // a process we did not know of is still in it; the group stays until it ends
      }
    }
  }
}
