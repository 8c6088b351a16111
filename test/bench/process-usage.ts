/**
 * CPU and memory of running processes from /proc, sampled once a second, and the kernel's UDP drops on the
 * sockets that matter: the figures a benchmark prints for our processes and for rtpengine.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

interface Sample {
  at: number;
  cpuTicks: number;
  rssKiB: number;
}

export interface Usage {
  /** Mean CPU over the sampling, % of one core. */
  cpuMeanPct: number;
  /** Highest one-second CPU, % of one core. */
  cpuPeakPct: number;
  rssPeakMiB: number;
}

function sample(pid: number): Sample | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { at: performance.now(), cpuTicks: Number(fields[11]) + Number(fields[12]), rssKiB: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}

export class UsageSampler {
  private readonly samples = new Map<string, Sample[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: () => Record<string, number | undefined>) {
    this.timer = setInterval(() => this.take(), 1000);
    this.take();
  }

  private take(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = pid ? sample(pid) : null;
      if (!s) continue;
      const list = this.samples.get(name) ?? [];
      list.push(s);
      this.samples.set(name, list);
    }
  }

  stop(): Record<string, Usage> {
    clearInterval(this.timer);
    this.take();
    const out: Record<string, Usage> = {};
    for (const [name, list] of this.samples) {
      let peak = 0;
      for (let i = 1; i < list.length; i++) {
        const dt = (list[i]!.at - list[i - 1]!.at) / 1000;
        // A restarted process starts its ticks over: such a step is not a rate.
        const dc = list[i]!.cpuTicks - list[i - 1]!.cpuTicks;
        if (dt > 0 && dc >= 0) peak = Math.max(peak, (100 * dc) / TICKS_PER_S / dt);
      }
      const first = list[0]!;
      const last = list[list.length - 1]!;
      const span = (last.at - first.at) / 1000;
      out[name] = {
        cpuMeanPct: span > 0 ? (100 * (last.cpuTicks - first.cpuTicks)) / TICKS_PER_S / span : 0,
        cpuPeakPct: peak,
        rssPeakMiB: Math.max(...list.map((s) => s.rssKiB)) / 1024,
      };
    }
    return out;
  }
}

/**
 * Datagrams the kernel dropped because a socket's receive buffer was full (/proc/net/udp, per socket), for
 * the sockets on the ports `watched` says: sampled while they exist, since a socket's count goes with it.
 */
export class UdpDropWatch {
  private readonly drops = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly watched: (port: number) => boolean) {
    this.timer = setInterval(() => this.take(), 500);
  }

  private take(): void {
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13) continue;
      const port = parseInt(f[1]!.split(':')[1]!, 16);
      if (!this.watched(port)) continue;
      const key = `${port}/${f[9]}`; // port and inode: one socket
      this.drops.set(key, Math.max(this.drops.get(key) ?? 0, Number(f[12])));
    }
  }

  stop(): number {
    this.take();
    clearInterval(this.timer);
    return [...this.drops.values()].reduce((a, b) => a + b, 0);
  }
}
