import { cpuSeconds, machineCpuSeconds, pidsOf, postgresCpuSeconds } from './proc.js';

/**
 * Where the CPU went during a phase: the service's processes, this database's PostgreSQL backends, Redis, the
 * load generator, kernel interrupt handling, hypervisor steal, and other processes on the machine (other work
 * may share it: compare runs only when that is low).
 */
export class CpuMeter {
  private before: Record<string, number> = {};
  private startedAt = 0;

  constructor(
    private readonly pids: Record<string, number>,
    private readonly database: string,
  ) {}

  start(): void {
    this.before = this.sample();
    this.startedAt = performance.now();
  }

  /** CPU seconds since start(), by where they went (`machine`: all busy CPU), and the seconds elapsed. */
  used(): { cpu: Record<string, number>; seconds: number } {
    const after = this.sample();
    const cpu: Record<string, number> = {};
    for (const k of Object.keys(after)) cpu[k] = after[k] - this.before[k];
    return { cpu, seconds: (performance.now() - this.startedAt) / 1000 };
  }

  /** CPU since start() in % of one core, by where it went, each figure named `${prefix} ${where}`. */
  report(prefix: string): Record<string, number> {
    const { cpu, seconds } = this.used();
    const pct = (k: string) => Math.round((cpu[k] / seconds) * 100); // 100 % = one core
    const out: Record<string, number> = {};
    let named = 0;
    for (const k of Object.keys(cpu)) {
      if (k === 'machine') continue;
      out[`${prefix} ${k}`] = pct(k);
      named += pct(k);
    }
    out[`${prefix} other processes`] = pct('machine') - named;
    return out;
  }

  /** CPU seconds so far, by where they went. */
  private sample(): Record<string, number> {
    const out: Record<string, number> = {
      postgres: postgresCpuSeconds(this.database),
      redis: pidsOf('redis-server').reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    };
    for (const [name, pid] of Object.entries(this.pids)) out[name] = cpuSeconds(pid);
    const machine = machineCpuSeconds();
    // network interrupts and hypervisor steal are no process's
    out['kernel interrupts (network)'] = machine.interrupts;
    out['stolen by the hypervisor'] = machine.stolen;
    out.machine = machine.busy;
    return out;
  }
}
