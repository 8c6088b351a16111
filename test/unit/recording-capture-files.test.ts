/** Finding a call's capture in rtpengine's recording dir, as rtpengine 10.5 names and moves its files (T8). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { callerPortFromMetadata, escapeCallId, findCapture, listCaptures, removeCapture, waitForCapture } from '../../media/recording/capture-files.js';
import { tempDataDir } from '../helpers/data.js';

// The metadata rtpengine 10.5 wrote for a call recorded from its offer (copied from a real run, CRLF in the SDP).
const METADATA = [
  '/var/spool/rtpengine/pcaps/study-1795566182201%40x-ead6ba25d22014d6.pcap',
  '',
  '',
  'Timestamp started ms: 1795566182203.132',
  'SDP mode: offer',
  'SDP before RTP packet: 1',
  '',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 43000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:43001\r',
  '',
  'Timestamp started ms: 1795566182203.135',
  'SDP mode: answer',
  'SDP before RTP packet: 1',
  '',
  'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 43014 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:43015\r',
  '',
  'Timestamp terminated ms(first monologue): 1795566182914.335',
  '',
  'call start time: 2026-11-25T00:23:02',
  'call end time: 2026-11-25T00:23:02',
  '',
].join('\n');

function spool(t: Test): string {
  const dir = join(tempDataDir(t), 'spool');
  for (const d of ['pcaps', 'metadata', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  return dir;
}

t.test('Call-IDs are escaped as glib does (checked against rtpengine 10.5 file names)', async (t) => {
  t.equal(escapeCallId("Zx:b/c d!*'()~._-é;+="), 'Zx%3Ab%2Fc%20d%21%2A%27%28%29~._-%C3%A9%3B%2B%3D');
  t.equal(escapeCallId('a84b4c76e66710@pc33.atlanta.com'), 'a84b4c76e66710%40pc33.atlanta.com');
});

t.test("a closed capture, an open one, and files that are not captures; another call's with a similar name is not taken", async (t) => {
  const dir = spool(t);
  const closedName = `${escapeCallId('call-1@host')}-0123456789abcdef`;
  const openName = `${escapeCallId('call-2@host')}-fedcba9876543210`;
  const lookalike = `${escapeCallId('call-1@host-0123456789abcdef')}-1111111111111111`;
  writeFileSync(join(dir, 'pcaps', `${closedName}.pcap`), 'x');
  writeFileSync(join(dir, 'metadata', `rtpengine-meta-${closedName}.txt`), METADATA);
  writeFileSync(join(dir, 'pcaps', `${openName}.pcap`), 'x');
  writeFileSync(join(dir, 'tmp', `rtpengine-meta-${openName}.tmp`), '');
  writeFileSync(join(dir, 'pcaps', `${lookalike}.pcap`), 'x');
  writeFileSync(join(dir, 'pcaps', 'notes.txt'), 'x');

  const closed = await findCapture(dir, 'call-1@host');
  t.match(closed, { callId: 'call-1@host', tag: '0123456789abcdef', closed: true, metadataPath: join(dir, 'metadata', `rtpengine-meta-${closedName}.txt`) });
  t.equal(await callerPortFromMetadata(closed!), 43014, "the port of rtpengine's answer SDP, which went to the caller");
  const open = await findCapture(dir, 'call-2@host');
  t.match(open, { closed: false, metadataPath: join(dir, 'tmp', `rtpengine-meta-${openName}.tmp`) });
  t.equal(await callerPortFromMetadata(open!), undefined, 'no SDP yet: unknown');
  t.equal(await findCapture(dir, 'call-3@host'), undefined);
  t.same((await listCaptures(dir)).map((c) => c.callId).sort(), ['call-1@host', 'call-1@host-0123456789abcdef', 'call-2@host']);
  t.same(await listCaptures(join(dir, 'nowhere')), [], 'no directory yet: no captures');

  await removeCapture(closed!);
  t.equal(await findCapture(dir, 'call-1@host'), undefined);
  t.ok(await findCapture(dir, 'call-1@host-0123456789abcdef'), 'the look-alike stays');
});

t.test('waiting: returns once the metadata reaches metadata/, or the open capture after the timeout, or at once when there is none', async (t) => {
  const dir = spool(t);
  const name = `${escapeCallId('call-9@host')}-00000000000000aa`;
  writeFileSync(join(dir, 'pcaps', `${name}.pcap`), 'x');
  setTimeout(() => writeFileSync(join(dir, 'metadata', `rtpengine-meta-${name}.txt`), METADATA), 150);
  t.equal((await waitForCapture(dir, 'call-9@host', 5000, 20))?.closed, true);

  const other = `${escapeCallId('call-10@host')}-00000000000000bb`;
  writeFileSync(join(dir, 'pcaps', `${other}.pcap`), 'x');
  t.equal((await waitForCapture(dir, 'call-10@host', 200, 20))?.closed, false, 'still open after the timeout: given as it is');
  t.equal(await waitForCapture(dir, 'no-capture@host', 60_000), undefined, 'no capture: answered at once');
});
