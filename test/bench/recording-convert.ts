/**
 * Time and memory to turn one hour of capture into the stereo WAV (issue 4's benchmark; T8). The capture is
 * built in rtpengine 10.5's pcap layout (test/helpers/recording-capture.ts, checked byte for byte against a
 * real capture by test/integration/recording-rtpengine.test.ts): both parties talking all hour in 20 ms
 * G.711 packets (caller µ-law, operator A-law), with jitter, 1 % reordered and 0.5 % lost. The conversion
 * runs in a child process so its peak RSS is its own.
 * Run: `npm run build && node dist/test/bench/recording-convert.js [minutes]` (default 60).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureToWav } from '../../media/recording/capture-to-wav.js';
import { encodeG711 } from '../../media/audio/g711.js';
import { sineTone } from '../../media/rtp/tone.js';
import { ipUdp, pcapHeader, pcapRecord, rtp } from '../helpers/recording-capture.js';

const CALLER_PORT = 30_002;
const OPERATOR_PORT = 30_000;

if (process.argv[2] === '--convert') {
  const [pcapPath, outPath] = process.argv.slice(3) as [string, string];
  const started = process.hrtime.bigint();
  const r = await captureToWav({ pcapPath, outPath, callerPort: CALLER_PORT });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, result: r }));
} else {
  const minutes = Number(process.argv[2] ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-rec-'));
  try {
    const pcapPath = join(dir, 'call.pcap');
    const packets = minutes * 60 * 50;
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // One second of each party's "voice", cycled: the codec work is the same as for speech.
    const voices = [encodeG711('PCMU', sineTone(400, 1000)), encodeG711('PCMA', sineTone(1000, 1000))];
    const out = createWriteStream(pcapPath, { highWaterMark: 1 << 20 });
    const write = (b: Buffer) => (out.write(b) ? Promise.resolve() : new Promise<void>((ok) => out.once('drain', () => ok())));
    await write(pcapHeader());
    const t0 = Date.parse('2027-06-01T01:00:00Z') * 1000;
    let held: Buffer | undefined;
    let lost = 0;
    for (let i = 0; i < packets; i++) {
      for (const side of [0, 1] as const) {
        if (random() < 0.005) {
          lost++;
          continue;
        }
        const payload = voices[side]!.subarray((i % 50) * 160, (i % 50) * 160 + 160);
        const packet = rtp(side === 0 ? 0 : 8, i, 160 * i, side === 0 ? 0x11111111 : 0x22222222, payload);
        const frame = side === 0 ? ipUdp(40_000, CALLER_PORT, packet) : ipUdp(40_002, OPERATOR_PORT, packet);
        const record = pcapRecord(t0 + i * 20_000 + Math.floor(random() * 3000) + side * 500, frame);
        // 1 % of packets overtaken by the next one.
        if (!held && random() < 0.01) held = record;
        else {
          await write(record);
          if (held) await write(held);
          held = undefined;
        }
      }
    }
    if (held) await write(held);
    out.end();
    await new Promise<void>((ok) => out.once('close', () => ok()));
    const size = statSync(pcapPath).size;
    console.log(`capture: ${minutes} min, ${2 * packets - lost} packets (${lost} lost), ${(size / 1048576).toFixed(1)} MiB`);

    const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--convert', pcapPath, join(dir, 'call.wav')], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    const r = JSON.parse(child.stdout) as { ms: number; maxRssKb: number; result: { durationMs: number; bytes: number; complete: boolean; late: number; packets: { caller: number; other: number } } };
    console.log(`WAV: ${(r.result.durationMs / 60000).toFixed(2)} min, ${(r.result.bytes / 1048576).toFixed(1)} MiB, complete ${r.result.complete}, packets ${r.result.packets.caller}+${r.result.packets.other}, late ${r.result.late}`);
    console.log(`convert: ${(r.ms / 1000).toFixed(2)} s (${((minutes * 60_000) / r.ms).toFixed(0)}x real time), peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
