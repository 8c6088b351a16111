import t from 'tap';
import {
  bumpVersion,
  effectiveDirection,
  isOnHold,
  mediaAddress,
  parseSdp,
  SdpError,
  serializeSdp,
  withDirection,
} from '../../sip/sdp/sdp.js';

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');

// An offer as baresip sends it.
const BARESIP = crlf([
  'v=0',
  'o=- 1193826347 3108426613 IN IP4 192.168.10.21',
  's=-',
  'c=IN IP4 192.168.10.21',
  't=0 0',
  'm=audio 10374 RTP/AVP 0 8 101',
  'b=AS:80',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:1640582330 cname:sip:1001@setagaya.test',
  'a=sendrecv',
]);

t.test('a baresip offer parses into the typed model', async (t) => {
  const sdp = parseSdp(BARESIP);
  t.same(sdp.origin, { username: '-', sessId: '1193826347', sessVersion: 3108426613n, netType: 'IN', addrType: 'IP4', address: '192.168.10.21' });
  t.equal(sdp.sessionName, '-');
  t.same(sdp.connection, { netType: 'IN', addrType: 'IP4', address: '192.168.10.21' });
  t.same(sdp.timing, { start: 0, stop: 0 });
  t.equal(sdp.media.length, 1);
  const [audio] = sdp.media;
  t.same(audio, {
    media: 'audio',
    port: 10374,
    proto: 'RTP/AVP',
    formats: ['0', '8', '101'],
    rtpmaps: [
      { pt: 0, encoding: 'PCMU', clockRate: 8000 },
      { pt: 8, encoding: 'PCMA', clockRate: 8000 },
      { pt: 101, encoding: 'telephone-event', clockRate: 8000 },
    ],
    fmtps: [{ pt: 101, params: '0-15' }],
    ptime: 20,
    direction: 'sendrecv',
    attributes: ['label:1', 'rtcp-rsize', 'ssrc:1640582330 cname:sip:1001@setagaya.test'],
    lines: ['b=AS:80'],
  });
  t.same(mediaAddress(sdp, 0), { address: '192.168.10.21', port: 10374 });
  t.notOk(isOnHold(sdp));
});

t.test('serialize(parse(x)) gives x back, LF-only input comes back with CRLF', async (t) => {
  t.equal(serializeSdp(parseSdp(BARESIP)), BARESIP);
  t.equal(serializeSdp(parseSdp(BARESIP.replace(/\r\n/g, '\n'))), BARESIP);

  const rich = crlf([
    'v=0',
    'o=alice 2890844526 2890844527 IN IP6 2001:db8::1',
    's=Call with everything',
    'i=A session',
    'u=http://example.com/',
    'e=alice@example.com',
    'c=IN IP6 2001:db8::1',
    'b=CT:128',
    't=3034423619 3042462419',
    'r=7d 1h 0 25h',
    'a=group:BUNDLE 0 1',
    'a=recvonly',
    'm=audio 49170/2 RTP/AVP 96 18',
    'i=Voice',
    'c=IN IP4 203.0.113.5',
    'b=AS:64',
    'a=rtpmap:96 opus/48000/2',
    'a=fmtp:96 useinbandfec=1; stereo=0',
    'a=rtpmap:18 G729/8000',
    'a=fmtp:18 annexb=no',
    'a=ptime:30',
    'a=mid:0',
    'a=inactive',
    'm=image 0 udptl t38',
    'a=T38FaxVersion:0',
  ]);
  const sdp = parseSdp(rich);
  t.equal(serializeSdp(sdp), rich);
  t.same(sdp.lines, ['i=A session', 'u=http://example.com/', 'e=alice@example.com', 'b=CT:128', 'r=7d 1h 0 25h']);
  t.same(sdp.media[0]?.rtpmaps[0], { pt: 96, encoding: 'opus', clockRate: 48000, channels: 2 });
  t.equal(sdp.media[0]?.portCount, 2);
  t.same(sdp.media[1]?.formats, ['t38']);
  t.same(mediaAddress(sdp, 0), { address: '203.0.113.5', port: 49170 }, 'media c= wins over the session one');
  t.same(mediaAddress(sdp, 1), { address: '2001:db8::1', port: 0 });
});

t.test('attributes out of the usual order keep their meaning and the order of the untyped ones', async (t) => {
  const text = crlf([
    'v=0',
    'o=- 1 1 IN IP4 198.51.100.1',
    's=-',
    't=0 0',
    'm=audio 4000 RTP/SAVPF 111 0',
    'c=IN IP4 198.51.100.1',
    'a=sendonly',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=rtpmap:0 PCMU/8000',
    'a=fmtp:111 minptime=10',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  ]);
  const sdp = parseSdp(text);
  const again = serializeSdp(sdp);
  t.same(parseSdp(again), sdp);
  t.same(sdp.media[0]?.attributes, ['rtcp-fb:111 transport-cc', 'extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level']);
  t.match(again, /a=rtpmap:111 opus\/48000\/2\r\na=fmtp:111 minptime=10\r\na=rtpmap:0 PCMU\/8000\r\n/);
});

t.test('direction: explicit, inherited from the session, or sendrecv', async (t) => {
  const base = parseSdp(BARESIP.replace('a=sendrecv\r\n', ''));
  t.equal(base.media[0]?.direction, undefined);
  t.equal(effectiveDirection(base, 0), 'sendrecv');
  const sessionLevel = parseSdp(BARESIP.replace('a=sendrecv\r\n', '').replace('t=0 0\r\n', 't=0 0\r\na=sendonly\r\n'));
  t.equal(sessionLevel.direction, 'sendonly');
  t.equal(effectiveDirection(sessionLevel, 0), 'sendonly');
  t.ok(isOnHold(sessionLevel), 'held by the session-level attribute');
  t.throws(() => effectiveDirection(base, 1), SdpError);

  const held = withDirection(sessionLevel, 'inactive');
  t.equal(held.direction, undefined, 'the session-level attribute is dropped');
  t.equal(held.media[0]?.direction, 'inactive');
  t.equal(sessionLevel.media[0]?.direction, undefined, 'the original is untouched');
  t.match(serializeSdp(held), /a=ssrc:[^\r]*\r\na=inactive\r\n$/);
  t.notMatch(serializeSdp(held), /a=sendonly/);
});

t.test('hold detection and the RFC 3264 §8.4 hold/resume sequence', async (t) => {
  const offer = parseSdp(BARESIP);
  const hold = bumpVersion(withDirection(offer, 'sendonly'));
  t.ok(isOnHold(hold));
  t.equal(hold.origin.sessVersion, 3108426614n);
  t.equal(offer.origin.sessVersion, 3108426613n, 'the original is untouched');
  t.match(serializeSdp(hold), /^v=0\r\no=- 1193826347 3108426614 IN IP4 192\.168\.10\.21\r\n/);
  const resume = bumpVersion(withDirection(hold, 'sendrecv'));
  t.notOk(isOnHold(resume));
  t.equal(resume.origin.sessVersion, 3108426615n);
  t.ok(isOnHold(withDirection(offer, 'inactive')));
  t.notOk(isOnHold(withDirection(offer, 'recvonly')), 'recvonly is not hold');

  const old = parseSdp(BARESIP.replace('c=IN IP4 192.168.10.21', 'c=IN IP4 0.0.0.0'));
  t.ok(isOnHold(old), 'RFC 2543 hold with c=0.0.0.0');

  const twoStreams = parseSdp(
    BARESIP.replace('a=sendrecv\r\n', 'a=sendonly\r\nm=video 10376 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=sendrecv\r\n'),
  );
  t.notOk(isOnHold(twoStreams), 'one stream still flowing both ways');
  t.ok(isOnHold(parseSdp(serializeSdp(twoStreams).replace('m=video 10376', 'm=video 0'))), 'a rejected stream does not count');
  const allRejected = parseSdp(BARESIP.replace('m=audio 10374', 'm=audio 0').replace('a=sendrecv', 'a=inactive'));
  t.notOk(isOnHold(allRejected), 'no active stream is no hold');

  const big = parseSdp(BARESIP.replace('3108426613', '18446744073709551615'));
  t.equal(serializeSdp(bumpVersion(big)).split('\r\n')[1], 'o=- 1193826347 18446744073709551616 IN IP4 192.168.10.21', 'no precision lost');
});

t.test('mediaAddress strips a multicast TTL and needs a c= line', async (t) => {
  const multicast = parseSdp(BARESIP.replace('c=IN IP4 192.168.10.21', 'c=IN IP4 224.2.36.42/127'));
  t.same(mediaAddress(multicast, 0), { address: '224.2.36.42', port: 10374 });
  t.equal(multicast.connection?.address, '224.2.36.42/127', 'kept as written in the model');
  const none = parseSdp(BARESIP.replace('c=IN IP4 192.168.10.21\r\n', ''));
  t.throws(() => mediaAddress(none, 0), /no connection address/);
  t.throws(() => mediaAddress(none, 3), /no media section 3/);
});

t.test('malformed SDP is refused with SdpError and the line', async (t) => {
  const cases: [string, RegExp][] = [
    [BARESIP.replace('m=audio 10374 RTP/AVP 0 8 101', 'm=audio RTP/AVP 0 8 101'), /line 6: m= needs a media type and a port/],
    [BARESIP.replace('m=audio 10374 RTP/AVP 0 8 101', 'm=audio 70000 RTP/AVP 0'), /port out of range/],
    [BARESIP.replace('m=audio 10374 RTP/AVP 0 8 101', 'm=audio 10374 RTP/AVP'), /at least one format/],
    [BARESIP.replace('c=IN IP4 192.168.10.21', 'c=IN IP4'), /line 4: c= must be/],
    [BARESIP.replace('c=IN IP4 192.168.10.21', 'c=IN IPX 192.168.10.21'), /c= must be/],
    [BARESIP.replace('o=- 1193826347 3108426613 IN IP4 192.168.10.21', 'o=- 1193826347 IN IP4 192.168.10.21'), /o= needs/],
    [BARESIP.replace('3108426613', 'v2'), /sess-version is not a number/],
    [BARESIP.replace('v=0', 'v=1'), /must begin with v=0/],
    [BARESIP.replace('s=-\r\n', ''), /no s= line/],
    [BARESIP.replace('t=0 0\r\n', ''), /no t= line/],
    [BARESIP.replace('t=0 0', 't=0'), /t= needs/],
    [BARESIP.replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:8 PCMA'), /line 9: malformed rtpmap/],
    [BARESIP.replace('a=fmtp:101 0-15', 'a=fmtp:x 0-15'), /malformed fmtp/],
    [BARESIP.replace('a=ptime:20', 'a=ptime:soon'), /malformed ptime/],
    [BARESIP.replace('a=label:1', 'a=inactive'), /more than one direction/],
    [BARESIP.replace('b=AS:80', 'just text'), /not a <type>=<value> line/],
    [BARESIP.replace('b=AS:80', 'u=http://x/'), /u= is not allowed in a media section/],
    [BARESIP.replace('s=-', 's=-\r\nx=1'), /unknown line type x=/],
    [BARESIP.replace('b=AS:80', 'c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5'), /more than one c= line/],
    ['', /must begin with v=0/],
  ];
  for (const [text, message] of cases) t.throws(() => parseSdp(text), { name: 'SdpError', message }, String(message));
});
