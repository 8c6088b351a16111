import t from 'tap';
import { parseSdp, serializeSdp } from '../../sip/sdp/sdp.js';
import { acceptAnswer, answerOffer, makeOffer, SdpNegotiationError } from '../../media/rtp/sdp-negotiation.js';

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
const offerOf = (mline: string, ...extra: string[]) =>
  parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', mline, ...extra]));
const local = { address: '127.0.0.1', port: 40000, sessId: '42', version: 0n };

t.test("the answer takes the offer's first G.711 codec and its telephone-event", async (t) => {
  const offer = offerOf('m=audio 5004 RTP/AVP 8 0 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16');
  const { answer, negotiated } = answerOffer(offer, local);
  t.same(negotiated, { law: 'PCMA', payloadType: 8, dtmfPayloadType: 101, remote: { address: '192.0.2.1', port: 5004 }, direction: 'sendrecv' });
  const text = serializeSdp(answer);
  t.match(text, /m=audio 40000 RTP\/AVP 8 101\r\n/);
  t.match(text, /c=IN IP4 127\.0\.0\.1/);
  t.match(text, /a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-15/);
  t.match(text, /a=ptime:20/);
  t.same(parseSdp(text).media.length, 1, 'the answer parses again');
});

t.test('static payload types need no rtpmap; a dynamic one names its codec; telephone-event is optional', async (t) => {
  t.match(answerOffer(offerOf('m=audio 5004 RTP/AVP 18 0'), local).negotiated, { law: 'PCMU', payloadType: 0 });
  const dynamic = answerOffer(offerOf('m=audio 5004 RTP/AVP 96', 'a=rtpmap:96 pcma/8000'), local).negotiated;
  t.match(dynamic, { law: 'PCMA', payloadType: 96 });
  t.equal(dynamic.dtmfPayloadType, undefined);
});

t.test('an offer without G.711 is a SdpNegotiationError carrying 488', async (t) => {
  const cases: Array<[string, ReturnType<typeof offerOf>, RegExp]> = [
    ['only G.729 and Opus', offerOf('m=audio 5004 RTP/AVP 18 111', 'a=rtpmap:111 opus/48000/2'), /no G\.711 codec/],
    ['PCMU at 16 kHz', offerOf('m=audio 5004 RTP/AVP 97', 'a=rtpmap:97 PCMU/16000'), /no G\.711 codec/],
    ['video only', offerOf('m=video 5006 RTP/AVP 0'), /no audio stream/],
    ['audio disabled', offerOf('m=audio 0 RTP/AVP 0'), /port 0/],
    ['SRTP', offerOf('m=audio 5004 RTP/SAVP 0'), /RTP\/SAVP is not supported/],
  ];
  for (const [name, offer, reason] of cases) {
    t.throws(() => answerOffer(offer, local), { name: 'SdpNegotiationError', message: reason }, name);
  }
  const err = (() => { try { answerOffer(cases[0]![1], local); } catch (e) { return e; } })();
  t.ok(err instanceof SdpNegotiationError && err.status === 488);
  const noAddress = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5004 RTP/AVP 0']));
  t.throws(() => answerOffer(noAddress, local), { name: 'SdpNegotiationError', message: /no connection address/ });
});

t.test('other streams are declined with port 0 and the directions mirror the offer', async (t) => {
  const offer = offerOf('m=video 5006 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 5004 RTP/AVP 0', 'a=sendonly');
  const { answer, negotiated } = answerOffer(offer, local);
  t.same(answer.media.map((m) => [m.media, m.port]), [['video', 0], ['audio', 40000]]);
  t.equal(answer.media[1]!.direction, 'recvonly');
  t.equal(negotiated.direction, 'recvonly', 'we only receive from a sendonly offerer');
});

t.test('our offer lists PCMU, PCMA and telephone-event; the answer decides', async (t) => {
  const text = serializeSdp(makeOffer(local));
  t.match(text, /m=audio 40000 RTP\/AVP 0 8 101\r\n/);
  t.match(text, /a=rtpmap:0 PCMU\/8000\r\na=rtpmap:8 PCMA\/8000\r\na=rtpmap:101 telephone-event\/8000/);
  const answer = offerOf('m=audio 6000 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000');
  t.same(acceptAnswer(answer), { law: 'PCMA', payloadType: 8, remote: { address: '192.0.2.1', port: 6000 }, direction: 'sendrecv' });
  t.throws(() => acceptAnswer(offerOf('m=audio 0 RTP/AVP 0')), SdpNegotiationError);
});
