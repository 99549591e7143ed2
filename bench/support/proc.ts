import { readdirSync, readFileSync } from 'node:fs';

/** Readings from Linux's /proc for the benchmarks: CPU used by processes and by the machine, and waits for a CPU. */

/** Clock ticks per second in /proc/<pid>/stat and /proc/stat (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 when it is gone (a database backend may end between readings). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // The command name (field 2) may hold spaces: count from the ') ' that ends it.
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return 0;
  }
}

/** Processes whose command line starts with `prefix` and, with `including`, contains it (say, a database name). */
export function pidsOf(prefix: string, including?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
    } catch {
      continue; // gone
    }
    if (cmd.startsWith(prefix) && (including === undefined || cmd.includes(including))) out.push(Number(entry));
  }
  return out;
}

/** CPU seconds used so far by this machine's PostgreSQL backends of one database. */
export function postgresCpuSeconds(database: string): number {
  return pidsOf('postgres: ', ` ${database} `).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/**
 * The machine's CPU seconds so far, summed over its cores: busy (everything but idle and I/O wait),
 * of which interrupt handling (irq + softirq: network traffic) and time stolen by the hypervisor.
 */
export function machineCpuSeconds(): { busy: number; interrupts: number; stolen: number } {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) / TICKS_PER_SECOND, interrupts: (f[5] + f[6]) / TICKS_PER_SECOND, stolen: f[7] / TICKS_PER_SECOND };
}

/** Time the process's main thread has spent runnable but waiting for a CPU (ms, from schedstat; NaN when unknown). */
export function cpuWaitMs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** A memory figure of a process from /proc/<pid>/status, in MB (0 when it is gone). */
function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (!pid) return 0;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's resident memory now, in MB. */
export const rssMb = (pid: number | undefined) => statusMb(pid, 'VmRSS');

/** The most resident memory a process has had, in MB (the kernel's high-water mark). */
export const peakRssMbOf = (pid: number | undefined) => statusMb(pid, 'VmHWM');
