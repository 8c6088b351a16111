/**
 * A small typed model of SDP (RFC 8866, formerly RFC 4566) with the parts call control needs typed, every
 * other line kept verbatim, and the hold helpers of RFC 3264 §8.4. Values are plain data: the helpers
 * return modified copies.
 */

export class SdpError extends Error {
  override name = 'SdpError';
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpOrigin {
  username: string;
  sessId: string;
  /** Up to 64 bits in practice (RFC 8866 §5.2 suggests an NTP timestamp), hence a bigint. */
  sessVersion: bigint;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: string;
  /** As written, including any multicast /ttl suffix. */
  address: string;
}

export interface SdpRtpMap {
  pt: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface SdpFmtp {
  pt: number;
  params: string;
}

export interface SdpMedia {
  media: string;
  port: number;
  /** The "/<number of ports>" of the m= line, when present. */
  portCount?: number;
  proto: string;
  /** RTP payload types for RTP/AVP and its kin; other tokens for other protocols (e.g. "t38" over udptl). */
  formats: string[];
  connection?: SdpConnection;
  rtpmaps: SdpRtpMap[];
  fmtps: SdpFmtp[];
  ptime?: number;
  /** Only when the section says so; see effectiveDirection for the inherited value. */
  direction?: SdpDirection;
  /** Other attributes in order, as the text after "a=". */
  attributes: string[];
  /** Other lines (i=, b=, k=) in order, as written with their type letter. */
  lines: string[];
}

export interface Sdp {
  origin: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  timing: { start: number; stop: number };
  direction?: SdpDirection;
  /** Other session attributes in order, as the text after "a=". */
  attributes: string[];
  /** Other session lines (i=, u=, e=, p=, b=, r=, z=, k=) in order, as written with their type letter. */
  lines: string[];
  media: SdpMedia[];
}

// RFC 8866 §5: the order in which the types of line must appear at session and at media level.
const SESSION_ORDER = 'vosiuepcbtrzka';
const MEDIA_ORDER = 'micbka';
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const isDirection = (s: string): s is SdpDirection => DIRECTIONS.includes(s);
const UINT = /^\d+$/;

export function parseSdp(text: string): Sdp {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  let lineNo = 0;
  const fail = (what: string, line: string): never => {
    throw new SdpError(`SDP line ${lineNo}: ${what}: ${JSON.stringify(line)}`);
  };
  let version = false;
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  let timing: Sdp['timing'] | undefined;
  const session: Pick<Sdp, 'connection' | 'direction' | 'attributes' | 'lines'> = { attributes: [], lines: [] };
  const media: SdpMedia[] = [];

  for (const line of lines) {
    lineNo++;
    const m = /^([a-z])=(.*)$/.exec(line);
    if (!m) return fail('not a <type>=<value> line', line);
    const [, type = '', value = ''] = m;
    const section = media[media.length - 1];
    if (lineNo === 1 && (type !== 'v' || value !== '0')) fail('SDP must begin with v=0', line);

    if (type === 'm') {
      media.push(parseMedia(value, (what) => fail(what, line)));
    } else if (section) {
      if (!MEDIA_ORDER.includes(type)) fail(`${type}= is not allowed in a media section`, line);
      if (type === 'c') {
        if (section.connection) fail('more than one c= line in a media section', line);
        section.connection = parseConnection(value, (what) => fail(what, line));
      } else if (type === 'a') {
        parseMediaAttribute(section, value, (what) => fail(what, line));
      } else {
        section.lines.push(line);
      }
    } else {
      if (!SESSION_ORDER.includes(type)) fail(`unknown line type ${type}=`, line);
      switch (type) {
        case 'v':
          if (version) fail('repeated v= line', line);
          version = true;
          break;
        case 'o':
          if (origin) fail('repeated o= line', line);
          origin = parseOrigin(value, (what) => fail(what, line));
          break;
        case 's':
          if (sessionName !== undefined) fail('repeated s= line', line);
          sessionName = value;
          break;
        case 'c':
          if (session.connection) fail('repeated session c= line', line);
          session.connection = parseConnection(value, (what) => fail(what, line));
          break;
        case 't': {
          if (timing) fail('more than one t= line is not supported', line);
          const f = value.trim().split(/\s+/);
          if (f.length !== 2 || !f.every((x) => UINT.test(x))) fail('t= needs a start and a stop time', line);
          timing = { start: Number(f[0]), stop: Number(f[1]) };
          break;
        }
        case 'a':
          if (isDirection(value)) {
            if (session.direction) fail('more than one direction attribute', line);
            session.direction = value;
          } else {
            session.attributes.push(value);
          }
          break;
        default:
          session.lines.push(line);
      }
    }
  }
  if (!version) throw new SdpError('SDP must begin with v=0');
  if (!origin) throw new SdpError('SDP has no o= line');
  if (sessionName === undefined) throw new SdpError('SDP has no s= line');
  if (!timing) throw new SdpError('SDP has no t= line');
  return { origin, sessionName, ...session, timing, media };
}

type Fail = (what: string) => never;

function parseOrigin(value: string, fail: Fail): SdpOrigin {
  const f = value.trim().split(/\s+/);
  if (f.length !== 6) return fail('o= needs username, sess-id, sess-version, nettype, addrtype and address');
  const [username = '', sessId = '', version = '', netType = '', addrType = '', address = ''] = f;
  if (!UINT.test(version)) return fail('o= sess-version is not a number');
  return { username, sessId, sessVersion: BigInt(version), netType, addrType, address };
}

function parseConnection(value: string, fail: Fail): SdpConnection {
  const f = value.trim().split(/\s+/);
  const [netType = '', addrType = '', address = ''] = f;
  if (f.length !== 3 || netType !== 'IN' || (addrType !== 'IP4' && addrType !== 'IP6')) {
    return fail('c= must be "IN IP4|IP6 <address>"');
  }
  return { netType, addrType, address };
}

function parseMedia(value: string, fail: Fail): SdpMedia {
  const [media = '', portSpec = '', proto = '', ...formats] = value.trim().split(/\s+/);
  const pm = /^(\d+)(?:\/(\d+))?$/.exec(portSpec);
  if (!media || !pm) return fail('m= needs a media type and a port');
  const port = Number(pm[1]);
  if (port > 65535) return fail('m= port out of range');
  if (!proto || formats.length === 0) return fail('m= needs a protocol and at least one format');
  const section: SdpMedia = { media, port, proto, formats, rtpmaps: [], fmtps: [], attributes: [], lines: [] };
  if (pm[2] !== undefined) section.portCount = Number(pm[2]);
  return section;
}

function parseMediaAttribute(section: SdpMedia, value: string, fail: Fail): void {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const arg = colon < 0 ? '' : value.slice(colon + 1);
  if (name === 'rtpmap') {
    // RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
    const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?\s*$/.exec(arg);
    if (!m) return fail('malformed rtpmap');
    const [, pt, encoding = '', clockRate, channels] = m;
    const rtpmap: SdpRtpMap = { pt: Number(pt), encoding, clockRate: Number(clockRate) };
    if (channels !== undefined) rtpmap.channels = Number(channels);
    section.rtpmaps.push(rtpmap);
  } else if (name === 'fmtp') {
    const m = /^(\d+)\s+(.*)$/.exec(arg);
    if (!m) return fail('malformed fmtp');
    const [, pt, params = ''] = m;
    section.fmtps.push({ pt: Number(pt), params });
  } else if (name === 'ptime') {
    const ptime = Number(arg);
    if (arg.trim() === '' || !Number.isFinite(ptime) || ptime <= 0) return fail('malformed ptime');
    section.ptime = ptime;
  } else if (colon < 0 && isDirection(value)) {
    if (section.direction) return fail('more than one direction attribute');
    section.direction = value;
  } else {
    section.attributes.push(value);
  }
}

/**
 * Serializes with CRLF line ends. Lines come in the order RFC 8866 §5 prescribes; within a media section
 * each rtpmap is followed by the fmtp of its payload type, then come ptime, the other attributes and the
 * direction, the usual order of softphones and PBXs, so that such SDP survives a round trip verbatim.
 */
export function serializeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  const session: string[] = [
    'v=0',
    `o=${o.username} ${o.sessId} ${o.sessVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName}`,
    ...(sdp.connection ? [connectionLine(sdp.connection)] : []),
    `t=${sdp.timing.start} ${sdp.timing.stop}`,
    ...sdp.lines,
  ];
  const out = [
    ...inOrder(session, SESSION_ORDER),
    ...sdp.attributes.map((a) => `a=${a}`),
    ...(sdp.direction ? [`a=${sdp.direction}`] : []),
  ];
  for (const m of sdp.media) {
    const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
    const head = [
      `m=${m.media} ${port} ${m.proto} ${m.formats.join(' ')}`,
      ...(m.connection ? [connectionLine(m.connection)] : []),
      ...m.lines,
    ];
    out.push(...inOrder(head, MEDIA_ORDER), ...mediaAttributes(m));
  }
  return out.map((l) => `${l}\r\n`).join('');
}

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

/** A stable sort of lines by the position of their type letter in `order`. */
function inOrder(lines: string[], order: string): string[] {
  return lines
    .map((line, i) => ({ line, i, rank: order.indexOf(line[0] ?? '') }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.line);
}

function mediaAttributes(m: SdpMedia): string[] {
  const fmtpLine = (f: SdpFmtp): string => `a=fmtp:${f.pt} ${f.params}`;
  const out: string[] = [];
  for (const r of m.rtpmaps) {
    out.push(`a=rtpmap:${r.pt} ${r.encoding}/${r.clockRate}${r.channels === undefined ? '' : `/${r.channels}`}`);
    out.push(...m.fmtps.filter((f) => f.pt === r.pt).map(fmtpLine));
  }
  // fmtp of a static payload type given no rtpmap.
  out.push(...m.fmtps.filter((f) => !m.rtpmaps.some((r) => r.pt === f.pt)).map(fmtpLine));
  if (m.ptime !== undefined) out.push(`a=ptime:${m.ptime}`);
  out.push(...m.attributes.map((a) => `a=${a}`));
  if (m.direction) out.push(`a=${m.direction}`);
  return out;
}

/** RFC 3264 §5.1: a media direction attribute applies to its section, else the session's, else sendrecv. */
export function effectiveDirection(sdp: Sdp, index: number): SdpDirection {
  return mediaAt(sdp, index).direction ?? sdp.direction ?? 'sendrecv';
}

/** Every media section set to `dir`, the session-level attribute dropped as now overridden everywhere. */
export function withDirection(sdp: Sdp, dir: SdpDirection): Sdp {
  const copy: Sdp = { ...sdp, media: sdp.media.map((m) => ({ ...m, direction: dir })) };
  delete copy.direction;
  return copy;
}

/**
 * Whether the SDP puts the call on hold (RFC 3264 §8.4): every active stream (port not 0) is sendonly or
 * inactive, or sent to 0.0.0.0, the older RFC 2543 way that peers still use.
 */
export function isOnHold(sdp: Sdp): boolean {
  const active = sdp.media.map((m, i) => ({ m, i })).filter(({ m }) => m.port !== 0);
  return (
    active.length > 0 &&
    active.every(({ m, i }) => {
      const dir = effectiveDirection(sdp, i);
      return dir === 'sendonly' || dir === 'inactive' || (m.connection ?? sdp.connection)?.address === '0.0.0.0';
    })
  );
}

/** RFC 3264 §8: a modified offer keeps the o= line but for its version, one higher. */
export function bumpVersion(sdp: Sdp): Sdp {
  return { ...sdp, origin: { ...sdp.origin, sessVersion: sdp.origin.sessVersion + 1n } };
}

/** Where the media of a section is to be sent: its c= address (without a multicast /ttl) or the session's. */
export function mediaAddress(sdp: Sdp, index: number): { address: string; port: number } {
  const m = mediaAt(sdp, index);
  const c = m.connection ?? sdp.connection;
  if (!c) throw new SdpError(`media section ${index} has no connection address`);
  return { address: c.address.replace(/\/.*$/, ''), port: m.port };
}

function mediaAt(sdp: Sdp, index: number): SdpMedia {
  const m = sdp.media[index];
  if (!m) throw new SdpError(`no media section ${index}`);
  return m;
}
