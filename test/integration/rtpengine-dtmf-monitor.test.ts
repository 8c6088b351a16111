/**
 * rtpengine's DTMF reports (dtmf-log-dest) parsed from real RFC 4733 streams relayed by a real rtpengine,
 * and the monitor that tells call control rtpengine is down (new calls 503) and up again (issue 4 items 1, 3).
 */
import type { Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { DtmfEvents, type DtmfEvent } from '../../media/rtpengine/dtmf-events.js';
import { RtpengineMonitor } from '../../media/rtpengine/monitor.js';
import { RtpengineUnavailable } from '../../media/rtpengine/ng-client.js';
import { startRtpengine, udpSocket } from '../helpers/rtpengine.js';
import { freeUdpPort } from '../helpers/sipp.js';

const sdp = (port: number) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');

/** The RTP packets (UDP payloads) of sipp's packaged capture, an Ethernet pcap of one RFC 4733 key press. */
function sippDtmfCapture(digit: number): Buffer[] {
  const b = readFileSync(`/usr/share/sip-tester/dtmf_2833_${digit}.pcap`);
  const packets: Buffer[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const len = b.readUInt32LE(o + 8);
    const ip = b.subarray(o + 16 + 14, o + 16 + len);
    packets.push(ip.subarray((ip[0]! & 15) * 4 + 8));
    o += 16 + len;
  }
  return packets;
}

/** One key press as RFC 4733 packets: three updates, then the end packet three times (section 2.5.1.4). */
function keyPress(event: number, seq: number, durationUnits: number): Buffer[] {
  const packet = (i: number, end: boolean, duration: number) => {
    const b = Buffer.alloc(16);
    b[0] = 0x80;
    b[1] = 101 | (i === 0 ? 0x80 : 0);
    b.writeUInt16BE(seq + i, 2);
    b.writeUInt32BE(8000, 4);
    b.writeUInt32BE(0xbeef, 8);
    b[12] = event;
    b[13] = (end ? 0x80 : 0) | 10;
    b.writeUInt16BE(duration, 14);
    return b;
  };
  return [0, 1, 2].map((i) => packet(i, false, 160 * (i + 1))).concat([3, 4, 5].map((i) => packet(i, true, durationUnits)));
}

async function send(from: Socket, port: number, packets: Buffer[]): Promise<void> {
  for (const p of packets) {
    from.send(p, port, '127.0.0.1');
    await sleep(20);
  }
}

t.test('each RFC 4733 key press relayed by rtpengine is one DTMF event, tagged with the pressing side', async (t) => {
  const events = await DtmfEvents.listen({ port: await freeUdpPort() });
  t.teardown(() => events.close());
  const r = await startRtpengine(t, { dtmfPort: events.port });
  const ng = await r.client();
  const caller = await udpSocket(t);
  const agent = await udpSocket(t);
  const offer = await ng.offer({ callId: 'dtmf-1', fromTag: 'caller-tag', sdp: sdp(caller.address().port) });
  const answer = await ng.answer({ callId: 'dtmf-1', fromTag: 'caller-tag', toTag: 'agent-tag', sdp: sdp(agent.address().port) });
  const toCaller = Number(/m=audio (\d+)/.exec(answer.sdp)![1]);
  const toAgent = Number(/m=audio (\d+)/.exec(offer.sdp)![1]);

  const got: DtmfEvent[] = [];
  events.on('dtmf', (e) => got.push(e));
  const atAgent: Buffer[] = [];
  agent.on('message', (m: Buffer) => atAgent.push(m));

  // sipp's capture of a '5' (280 ms, three end packets), sent by the caller.
  await send(caller, toCaller, sippDtmfCapture(5));
  // '#' (event 11) pressed by the agent for 60 ms (480 timestamp units at 8 kHz).
  await send(agent, toAgent, keyPress(11, 100, 480));
  await send(caller, toCaller, keyPress(13, 200, 800));
  while (got.length < 3) await once(events, 'dtmf');
  await sleep(200);

  t.equal(got.length, 3, 'one event per key press, not per packet');
  t.match(got[0], { callId: 'dtmf-1', sourceTag: 'caller-tag', digit: '5', event: 5, durationMs: 280, volume: 10, sourceIp: '127.0.0.1' }, 'the caller pressed 5');
  t.same(got[0]!.tags.sort(), ['agent-tag', 'caller-tag'], 'with every tag of the call');
  t.match(got[1], { sourceTag: 'agent-tag', digit: '#', durationMs: 60 }, 'the agent pressed # (source_tag is the sender, here the to-tag)');
  t.match(got[2], { sourceTag: 'caller-tag', digit: 'B', durationMs: 100 }, 'event 13 is B');
  t.equal(atAgent.length, sippDtmfCapture(5).length + 6, 'rtpengine passes the events on as well');
  t.equal(events.malformed, 0);
});

t.test('the monitor reports down after missed pings and up when rtpengine answers again', async (t) => {
  const r = await startRtpengine(t);
  const client = await r.client(150);
  const monitor = new RtpengineMonitor({ client, pingMs: 200 });
  t.teardown(() => monitor.stop());
  t.equal(monitor.isUp(), false, 'not up before a first answer');
  const up = once(monitor, 'up');
  monitor.start();
  await up;
  t.equal(monitor.isUp(), true, 'up once rtpengine answered');

  const down = once(monitor, 'down');
  await r.kill('SIGKILL');
  await t.rejects(client.ping(), RtpengineUnavailable, 'a killed rtpengine does not answer');
  await down;
  t.equal(monitor.isUp(), false, "down after two missed pings (call control answers 503, ends its calls)");

  const back = once(monitor, 'up');
  await r.restart();
  await back;
  t.equal(monitor.isUp(), true, 'up again after the restart');
  await t.rejects(client.query({ callId: 'before-the-kill' }), { name: 'RtpengineError', reason: 'Unknown call-id' }, 'a restarted rtpengine knows no calls');
});
