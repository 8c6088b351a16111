/**
 * The registrar, the location service and digest authentication of requests on real sockets of 127.0.0.1
 * (RFC 3261 §10, §22; RFC 8760), over a migrated SQLite database whose SIP accounts are made by the
 * account service as the console makes them. Softphones are client stacks registering with
 * `stack.request('REGISTER')`, or raw UDP peers where the test must choose every byte (MD5 answers,
 * replays, CSeq order). The last tests route calls between registered softphones and from trunks.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { AccountService } from '../../apps/accounts/account-service.js';
import { sipHa1Lookup, sipUserState } from '../../apps/accounts/sip-directory.js';
import { routeSoftphoneCalls, type SoftphoneMedia } from '../../apps/callflow/softphone-calls.js';
import type { Logger } from '../../apps/logger.js';
import { ManualClock } from '../../apps/time/clock.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { answerChallenge } from '../../sip/auth/digest-client.js';
import { parseDigest } from '../../sip/auth/digest-params.js';
import { DigestServer, type DigestServerOptions } from '../../sip/auth/digest-server.js';
import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import type { IncomingRequest } from '../../sip/core/incoming-request.js';
import type { SipStack } from '../../sip/core/stack.js';
import { SipError, type Dialog } from '../../sip/dialog/dialog.js';
import type { SipRequest, SipResponse } from '../../sip/message/message.js';
import { parseNameAddr } from '../../sip/message/name-addr.js';
import { LocationService, type Binding } from '../../sip/registrar/location.js';
import { DEFAULT_REGISTRAR, Registrar, type RegistrarOptions } from '../../sip/registrar/registrar.js';
import { RequestAuthenticator } from '../../sip/registrar/request-authenticator.js';
import { TrunkMonitor, type Trunk } from '../../sip/trunk/trunks.js';
import { migratedDb } from '../helpers/data.js';
import { startStack, udpPeer, type UdpPeer } from '../helpers/sip-stack.js';

const REALM = 'setagaya-call';
const admin = { id: null, name: 'test-admin' };
const SDP_A = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n';
const SDP_B = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\na=sendrecv\r\n';

// ---------------------------------------------------------------------------------------------------------
// Accounts: made once for the file (the password hash is deliberately slow), through the account service.
// op01-op03 register and call; op04 is disabled by its test; carrier01 is the digest account of a trunk.

const PASSWORDS = {
  op01: 'sip-pass-op01',
  op02: 'sip-pass-op02',
  op03: 'sip-pass-op03',
  op04: 'sip-pass-op04',
  carrier01: 'sip-pass-carrier01',
} as const;
type SipUser = keyof typeof PASSWORDS;

const db = await migratedDb(t);
const accounts = new AccountService(db, new ManualClock('2027-06-01T09:00:00+09:00'), { minPasswordLength: 10, sipRealm: REALM });
const userIds = {} as Record<SipUser, number>;
for (const [username, sipPassword] of Object.entries(PASSWORDS) as [SipUser, string][]) {
  const u = await accounts.create({ username, displayName: `オペレーター ${username}`, roles: ['operator'], password: `console-pass-${username}`, sipPassword }, admin);
  userIds[username] = u.id;
}
// A console user without SIP credentials: known to the accounts, unknown to the registrar.
await accounts.create({ username: 'sv09', displayName: 'スーパーバイザー09', roles: ['supervisor'], password: 'console-pass-sv09' }, admin);
const users = new UsersRepository(db);

const creds = (user: SipUser, password: string = PASSWORDS[user]) => ({ user, password });

// ---------------------------------------------------------------------------------------------------------
// The registrar side: a stack with the registrar as call-control wires it.

interface Site {
  stack: SipStack;
  port: number;
  /** The Request-URI of REGISTER. */
  uri: string;
  location: LocationService;
  auth: RequestAuthenticator;
  /** The algorithm of every HA1 the digest check asked the database for. */
  asked: DigestAlgorithm[];
}

interface SiteOptions {
  digest?: Partial<DigestServerOptions>;
  registrar?: Partial<RegistrarOptions>;
  now?: () => number;
  sweepMs?: number;
}

async function registrarSite(t: Test, opts: SiteOptions = {}): Promise<Site> {
  const stack = await startStack(t);
  const location = new LocationService(opts.now, opts.sweepMs);
  t.teardown(() => location.stop());
  const lookup = sipHa1Lookup(users);
  const asked: DigestAlgorithm[] = [];
  const digest = new DigestServer({
    realm: REALM,
    lookup: (user, realm, algorithm) => {
      asked.push(algorithm);
      return lookup(user, realm, algorithm);
    },
    ...opts.digest,
  });
  const auth = new RequestAuthenticator(digest, stack.counters);
  stack.onRequest('REGISTER', new Registrar(location, auth, stack.counters, { ...DEFAULT_REGISTRAR, ...opts.registrar }).handle);
  const port = stack.transport.local('udp').port;
  return { stack, port, uri: `sip:127.0.0.1:${port}`, location, auth, asked };
}

interface RegisterOptions {
  /** Credentials; none sends the REGISTER unanswered. */
  auth?: { user: string; password: string };
  /** The address of record's user part (`aor`) or a whole To value. */
  to?: string;
  contacts?: string[];
  expires?: number | string;
  transport?: 'udp' | 'tcp';
}

/** A softphone's REGISTER for `aor` from a client stack; its own address is the Contact unless told otherwise. */
function register(client: SipStack, site: Site, aor: string, opts: RegisterOptions = {}): Promise<SipResponse> {
  const transport = opts.transport ?? 'udp';
  const headers: Array<[string, string]> = [];
  for (const c of opts.contacts ?? [ownContact(client, aor, transport)]) headers.push(['Contact', c]);
  if (opts.expires !== undefined) headers.push(['Expires', String(opts.expires)]);
  return client.request('REGISTER', {
    uri: transport === 'udp' ? site.uri : `${site.uri};transport=${transport}`,
    to: opts.to ?? `<sip:${aor}@127.0.0.1>`,
    from: `<sip:${aor}@127.0.0.1>`,
    headers,
    ...(opts.auth ? { auth: opts.auth } : {}),
  });
}

function ownContact(client: SipStack, user: string, transport: 'udp' | 'tcp' = 'udp'): string {
  const { port } = client.transport.local(transport);
  return `<sip:${user}@127.0.0.1:${port}${transport === 'udp' ? '' : `;transport=${transport}`}>`;
}

/** The Contact values of a 200 to REGISTER: URI and expires. */
function listed(res: SipResponse): Array<{ uri: string; expires: number }> {
  return res.headers.values('contact').map((v) => {
    const na = parseNameAddr(v);
    return { uri: na.uriText, expires: Number(na.params.get('expires')) };
  });
}

function challenges(res: SipResponse, header = 'www-authenticate'): Array<ReadonlyMap<string, string>> {
  return res.headers.lines(header).map(parseDigest);
}

const contactsOf = (bindings: readonly Binding[]) => bindings.map((b) => b.contact);

// ---------------------------------------------------------------------------------------------------------
// A raw softphone on a UDP socket: every byte chosen by the test. Like a real phone it keeps the last nonce
// and counts its uses (nc), so one challenge serves several requests.

let rawCount = 0;

class RawPhone {
  challenges: string[] = [];
  nc = 0;
  /** Only these algorithms are answered (the strongest of them); all by default. */
  algorithms: DigestAlgorithm[] = ['SHA-256', 'MD5'];

  constructor(
    readonly peer: UdpPeer,
    readonly site: Site,
    readonly user: string,
    readonly password: string,
  ) {}

  request(p: { callId?: string; cseq: number; contacts?: string[]; expires?: number | string; authorization?: string }): string {
    const callId = p.callId ?? `raw-${process.pid}-${++rawCount}`;
    return [
      'REGISTER sip:127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${this.peer.port};branch=z9hG4bK-raw-${process.pid}-${++rawCount};rport`,
      'Max-Forwards: 70',
      `From: <sip:${this.user}@127.0.0.1>;tag=raw${rawCount}`,
      `To: <sip:${this.user}@127.0.0.1>`,
      `Call-ID: ${callId}`,
      `CSeq: ${p.cseq} REGISTER`,
      ...(p.contacts ?? [`<sip:${this.user}@127.0.0.1:${this.peer.port}>`]).map((c) => `Contact: ${c}`),
      ...(p.expires !== undefined ? [`Expires: ${p.expires}`] : []),
      ...(p.authorization !== undefined ? [`Authorization: ${p.authorization}`] : []),
      'User-Agent: raw-phone',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  async exchange(text: string): Promise<SipResponse> {
    this.peer.clear();
    this.peer.send(text, this.site.port);
    const res = await this.peer.final(3000);
    if (!res) throw new Error('the registrar did not answer');
    if (res.status === 401) {
      this.challenges = res.headers.lines('www-authenticate');
      this.nc = 0;
    }
    return res;
  }

  /** Asks for a challenge with a REGISTER of its own Call-ID that binds nothing. */
  async challenge(): Promise<SipResponse> {
    const res = await this.exchange(this.request({ cseq: 1, contacts: [] }));
    if (res.status !== 401) throw new Error(`expected 401, got ${res.status}`);
    return res;
  }

  /** Credentials for the next request with the current nonce (nc one higher). */
  authorization(): string {
    const usable = this.challenges.filter((c) => this.algorithms.includes(parseDigest(c).get('algorithm') as DigestAlgorithm));
    return answerChallenge({ challenges: usable, method: 'REGISTER', uri: 'sip:127.0.0.1', user: this.user, password: this.password, nc: ++this.nc });
  }

  /** An authenticated REGISTER (challenged first when no nonce is known yet). */
  async register(p: { callId?: string; cseq: number; contacts?: string[]; expires?: number | string }): Promise<SipResponse> {
    if (!this.challenges.length) await this.challenge();
    return this.exchange(this.request({ ...p, authorization: this.authorization() }));
  }
}

async function rawPhone(t: Test, site: Site, user: string, password: string): Promise<RawPhone> {
  return new RawPhone(await udpPeer(t), site, user, password);
}

const silentLog: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

// ---------------------------------------------------------------------------------------------------------
// Authentication

t.test('REGISTER is challenged with SHA-256 then MD5, and the answer binds the contact', async (t) => {
  const site = await registrarSite(t);
  const phone = await startStack(t, { userAgent: 'phone-op01' });

  const unanswered = await register(phone, site, 'op01', { expires: 600 });
  t.equal(unanswered.status, 401);
  const offered = challenges(unanswered);
  t.same(offered.map((c) => c.get('algorithm')), ['SHA-256', 'MD5'], 'RFC 8760: one challenge per algorithm, SHA-256 first');
  for (const c of offered) {
    t.equal(c.get('realm'), REALM);
    t.equal(c.get('qop'), 'auth');
    t.equal(c.get('stale'), undefined, 'a first challenge is not stale');
  }
  t.equal(offered[0]?.get('nonce'), offered[1]?.get('nonce'), 'both challenges carry the same nonce');
  t.equal(site.location.lookup('op01').length, 0, 'nothing is bound before the challenge is answered');
  t.equal(site.stack.counters.get('authFailures'), 0, 'a REGISTER without credentials is no failure');

  const res = await register(phone, site, 'op01', { expires: 600, auth: creds('op01') });
  t.equal(res.status, 200);
  t.same(listed(res), [{ uri: `sip:op01@127.0.0.1:${phone.transport.local('udp').port}`, expires: 600 }], 'the 200 lists the binding with its expiry');
  t.ok(res.headers.get('date'), 'and the registrar date (§10.3 step 8)');
  t.same(site.asked, ['SHA-256'], 'the client answered SHA-256');
  const [binding] = site.location.lookup('op01');
  t.match(binding, { user: 'op01', contact: `sip:op01@127.0.0.1:${phone.transport.local('udp').port}`, q: 1, userAgent: 'phone-op01' });
  t.ok(binding && Math.abs(binding.expiresAt - Date.now() - 600_000) < 5000, 'expires in 600 s');
  t.equal(site.stack.counters.get('registrations'), 1);
  t.equal(site.stack.counters.get('authFailures'), 0);
});

t.test('with the algorithms option MD5 is challenged first, and MD5 and SHA-256 answers both register', async (t) => {
  const site = await registrarSite(t, { digest: { algorithms: ['MD5', 'SHA-256'] } });
  const raw = await rawPhone(t, site, 'op01', PASSWORDS.op01);
  const challenge = await raw.challenge();
  t.same(challenges(challenge).map((c) => c.get('algorithm')), ['MD5', 'SHA-256'], 'MD5 first, for phones that read only the first');

  raw.algorithms = ['MD5'];
  t.match(parseDigest(raw.authorization()).get('algorithm'), 'MD5');
  raw.nc = 0;
  const md5 = await raw.register({ cseq: 2, expires: 300 });
  t.equal(md5.status, 200, 'an MD5 answer registers');
  t.same(site.asked, ['MD5']);
  t.same(contactsOf(site.location.lookup('op01')), [`sip:op01@127.0.0.1:${raw.peer.port}`]);

  const phone = await startStack(t);
  const sha = await register(phone, site, 'op02', { auth: creds('op02') });
  t.equal(sha.status, 200, 'a SHA-256 answer registers');
  t.same(site.asked, ['MD5', 'SHA-256'], 'the stack client chose SHA-256 although MD5 came first');

  // A server offering MD5 alone is answered with MD5 by the stack client too.
  const md5Only = await registrarSite(t, { digest: { algorithms: ['MD5'] } });
  t.equal((await register(phone, md5Only, 'op02', { auth: creds('op02') })).status, 200);
  t.same(md5Only.asked, ['MD5']);
  // And credentials for an algorithm the server did not offer are refused.
  const shaOnly = await registrarSite(t, { digest: { algorithms: ['SHA-256'] } });
  const stranger = await rawPhone(t, shaOnly, 'op01', PASSWORDS.op01);
  stranger.challenges = challenge.headers.lines('www-authenticate').filter((c) => /MD5/.test(c));
  const refused = await stranger.exchange(stranger.request({ cseq: 1, authorization: stranger.authorization() }));
  t.equal(refused.status, 401, 'MD5 credentials to a SHA-256-only registrar');
  t.same(shaOnly.asked, [], 'are refused before the database is asked');
});

t.test('a wrong password, an unknown user and a disabled account are refused, and failures are counted', async (t) => {
  const site = await registrarSite(t);
  const phone = await startStack(t);
  const counters = site.stack.counters;

  const wrong = await register(phone, site, 'op01', { auth: creds('op01', 'not-the-password') });
  t.equal(wrong.status, 401, 'a wrong password is challenged again');
  t.equal(challenges(wrong)[0]?.get('stale'), undefined, 'without stale: the password is wrong, not the nonce');
  t.equal(counters.get('authFailures'), 1);

  const unknown = await register(phone, site, 'nobody', { auth: { user: 'nobody', password: 'whatever-it-is' } });
  t.equal(unknown.status, 401, 'an unknown user');
  t.equal(counters.get('authFailures'), 2);
  const noSip = await register(phone, site, 'sv09', { auth: { user: 'sv09', password: 'console-pass-sv09' } });
  t.equal(noSip.status, 401, 'a console user without SIP credentials (the console password is no SIP password)');
  t.equal(counters.get('authFailures'), 3);

  t.equal((await register(phone, site, 'op04', { auth: creds('op04'), expires: 120 })).status, 200, 'op04 registers while enabled');
  await accounts.setDisabled(userIds.op04, true, admin);
  t.teardown(() => accounts.setDisabled(userIds.op04, false, admin));
  const disabled = await register(phone, site, 'op04', { auth: creds('op04'), expires: 120 });
  t.equal(disabled.status, 401, 'a disabled account is refused');
  t.equal(counters.get('authFailures'), 4);
  t.equal(counters.get('registrations'), 1, 'only the good REGISTER counted as a registration');
  t.same(site.location.users(), ['op04']);
  t.notOk(await sipHa1Lookup(users)('op04', REALM, 'MD5'), 'the directory gives no HA1 for a disabled account');
  t.notOk(await sipHa1Lookup(users)('op01', 'another-realm', 'MD5'), 'nor for another realm');
  t.ok(await sipHa1Lookup(users)('op01', REALM, 'SHA-256'));
});

t.test('a user binds contacts only to their own address; a non-SIP To is refused before any challenge', async (t) => {
  const site = await registrarSite(t);
  const phone = await startStack(t);
  const other = await register(phone, site, 'op01', { to: '<sip:op02@127.0.0.1>', auth: creds('op01') });
  t.equal(other.status, 403, "op01 may not bind op02's address");
  t.equal(other.reason, 'Not Your Address');
  const noUser = await register(phone, site, 'op01', { to: '<sip:127.0.0.1>', auth: creds('op01') });
  t.equal(noUser.status, 403, 'nor the domain itself');
  const escaped = await register(phone, site, 'op01', { to: '<sip:op%301@127.0.0.1>', auth: creds('op01') });
  t.equal(escaped.status, 200, 'a user part with escapes is compared unescaped (§19.1.4)');

  for (const to of ['<tel:+81354321111>', '<mailto:op01@example.jp>']) {
    const res = await register(phone, site, 'op01', { to });
    t.equal(res.status, 400, `To ${to} without credentials`);
    t.equal(res.reason, 'To Is Not a SIP URI');
  }
  t.same(contactsOf(site.location.lookup('op02')), [], 'op02 has no binding');
  t.equal(site.location.lookup('op01').length, 1);
});

t.test('a replayed Authorization is refused with stale=true; the nonce still serves with a higher count', async (t) => {
  const site = await registrarSite(t);
  const raw = await rawPhone(t, site, 'op01', PASSWORDS.op01);
  await raw.challenge();
  const authorization = raw.authorization();
  const first = await raw.exchange(raw.request({ cseq: 2, expires: 300, authorization }));
  t.equal(first.status, 200);

  // The same credentials (nonce and nc) in a new request, as a listener on the LAN would resend them.
  const replay = await raw.exchange(raw.request({ cseq: 3, expires: 0, authorization }));
  t.equal(replay.status, 401, 'the replay is refused');
  t.same(challenges(replay).map((c) => c.get('stale')), ['true', 'true'], 'stale=true: the phone itself may just retry');
  t.equal(site.location.lookup('op01').length, 1, 'and removed nothing');

  const fresh = await raw.register({ cseq: 4, expires: 300 });
  t.equal(fresh.status, 200, 'the fresh challenge is answered');
  const again = await raw.register({ cseq: 5, expires: 300 });
  t.equal(raw.nc, 2, 'nc=2 on the same nonce');
  t.equal(again.status, 200, 'a higher nonce count on the same nonce is accepted');
  t.equal(site.stack.counters.get('authFailures'), 0, 'a stale nonce is no authentication failure: the digest was right');
});

t.test('a nonce past its lifetime is answered with a new challenge, stale=true', async (t) => {
  const site = await registrarSite(t, { digest: { nonceLifetimeMs: 300 } });
  const raw = await rawPhone(t, site, 'op01', PASSWORDS.op01);
  await raw.challenge();
  const nonce = parseDigest(raw.challenges[0]!).get('nonce');
  await sleep(450);
  const stale = await raw.register({ cseq: 2, expires: 300 });
  t.equal(stale.status, 401);
  t.same(challenges(stale).map((c) => c.get('stale')), ['true', 'true']);
  t.not(challenges(stale)[0]?.get('nonce'), nonce, 'with a new nonce');
  t.equal(site.location.lookup('op01').length, 0);
  const ok = await raw.register({ cseq: 3, expires: 300 });
  t.equal(ok.status, 200, 'which works');

  const wrong = await rawPhone(t, site, 'op01', 'not-the-password');
  await wrong.challenge();
  await sleep(450);
  const res = await wrong.register({ cseq: 2, expires: 300 });
  t.equal(res.status, 401);
  t.equal(challenges(res)[0]?.get('stale'), undefined, 'an old nonce with a wrong password is not called stale');
  t.equal(site.stack.counters.get('authFailures'), 1);
});

// ---------------------------------------------------------------------------------------------------------
// Bindings

t.test('a user has several contacts ordered by q, and a refresh keeps one binding per contact', async (t) => {
  const site = await registrarSite(t);
  const desk = await startStack(t);
  const mobile = await startStack(t);
  const deskPort = desk.transport.local('udp').port;
  const a = `sip:op01@127.0.0.1:${deskPort}`;
  const b = `sip:op01@192.0.2.20:5062`;
  const two = await register(desk, site, 'op01', { contacts: [`<${a}>;q=0.5`, `<${b}>;q=0.9`], expires: 600, auth: creds('op01') });
  t.equal(two.status, 200);
  t.same(listed(two).map((c) => c.uri).sort(), [a, b].sort(), 'both contacts listed');
  t.same(contactsOf(site.location.lookup('op01')), [b, a], 'highest q first');

  const c = ownContact(mobile, 'op01').slice(1, -1);
  const third = await register(mobile, site, 'op01', { expires: 300, auth: creds('op01') });
  t.equal(third.status, 200);
  t.same(listed(third).map((x) => x.uri), [c, b, a], "the second phone's contact (q=1 by default) comes first; the 200 lists all three");
  t.same(listed(third).map((x) => x.expires), [300, 600, 600]);

  // A refresh from the desk phone: new Call-ID, same contacts, one spelled with a parameter and another host case.
  const refresh = await register(desk, site, 'op01', { contacts: [`<${a};transport=udp>;q=0.5`, `<sip:op01@192.0.2.20:5062>;q=0.2`], expires: 900, auth: creds('op01') });
  t.equal(refresh.status, 200);
  const bindings = site.location.lookup('op01');
  t.equal(bindings.length, 3, 'still three bindings: a refresh replaces, never adds');
  t.same(bindings.map((x) => x.q), [1, 0.5, 0.2], 'with the new q values');
  t.equal(site.location.size, 3);

  // Several contacts on one line, as some phones send them.
  const oneLine = await register(mobile, site, 'op02', { contacts: [`<sip:op02@127.0.0.1:5071>;q=0.1, <sip:op02@127.0.0.1:5072>`], auth: creds('op02') });
  t.equal(oneLine.status, 200);
  t.same(contactsOf(site.location.lookup('op02')), ['sip:op02@127.0.0.1:5072', 'sip:op02@127.0.0.1:5071']);

  const badQ = await register(mobile, site, 'op02', { contacts: ['<sip:op02@127.0.0.1:5073>;q=1.5'], auth: creds('op02') });
  t.equal(badQ.status, 400, 'q above 1 is refused');
  const noQ = await register(mobile, site, 'op02', { contacts: ['<sip:op02@127.0.0.1:5073>;q'], auth: creds('op02') });
  t.equal(noQ.status, 400, 'q without a value is refused');
  t.equal(site.location.lookup('op02').length, 2, 'and bound nothing');
  t.same(site.location.users().sort(), ['op01', 'op02']);
});

t.test('Expires: 0 removes one contact, Contact: * with Expires: 0 removes them all, other uses of * are 400', async (t) => {
  const site = await registrarSite(t);
  const phone = await startStack(t);
  const contacts = ['<sip:op01@127.0.0.1:5061>', '<sip:op01@127.0.0.1:5062>', '<sip:op01@127.0.0.1:5063>'];
  t.equal((await register(phone, site, 'op01', { contacts, expires: 600, auth: creds('op01') })).status, 200);
  t.equal(site.location.lookup('op01').length, 3);

  const one = await register(phone, site, 'op01', { contacts: [contacts[0]!], expires: 0, auth: creds('op01') });
  t.equal(one.status, 200);
  t.same(listed(one).map((c) => c.uri).sort(), ['sip:op01@127.0.0.1:5062', 'sip:op01@127.0.0.1:5063'], 'the 200 lists what is left');
  const param = await register(phone, site, 'op01', { contacts: [`${contacts[1]!};expires=0`], expires: 600, auth: creds('op01') });
  t.equal(param.status, 200, 'an expires parameter of the contact wins over the Expires header');
  t.same(contactsOf(site.location.lookup('op01')), ['sip:op01@127.0.0.1:5063']);

  for (const [what, opts] of [
    ['* with another contact', { contacts: ['*', contacts[2]!], expires: 0 }],
    ['* with Expires: 60', { contacts: ['*'], expires: 60 }],
    ['* without Expires', { contacts: ['*'] }],
  ] as const) {
    const res = await register(phone, site, 'op01', { ...opts, contacts: [...opts.contacts], auth: creds('op01') });
    t.equal(res.status, 400, what);
  }
  t.equal(site.location.lookup('op01').length, 1, 'the refused requests removed nothing');

  t.equal((await register(phone, site, 'op02', { contacts: ['<sip:op02@127.0.0.1:5064>'], auth: creds('op02') })).status, 200);
  const all = await register(phone, site, 'op01', { contacts: ['*'], expires: 0, auth: creds('op01') });
  t.equal(all.status, 200);
  t.same(listed(all), [], 'the 200 lists no contact');
  t.same(site.location.lookup('op01'), []);
  t.equal(site.location.lookup('op02').length, 1, "another user's binding stays");
});

t.test('Expires below the minimum is 423 with Min-Expires, above the maximum it is shortened', async (t) => {
  const site = await registrarSite(t, { registrar: { minExpires: 60, maxExpires: 3600, defaultExpires: 1800 } });
  const phone = await startStack(t);
  const brief = await register(phone, site, 'op01', { expires: 30, auth: creds('op01') });
  t.equal(brief.status, 423);
  t.equal(brief.headers.get('min-expires'), '60');
  t.equal(site.location.lookup('op01').length, 0, 'nothing bound');
  const briefParam = await register(phone, site, 'op01', { contacts: ['<sip:op01@127.0.0.1:5061>;expires=59'], expires: 600, auth: creds('op01') });
  t.equal(briefParam.status, 423, 'also in a contact parameter');

  const expiresOf = async (opts: RegisterOptions) => {
    const res = await register(phone, site, 'op01', { contacts: ['<sip:op01@127.0.0.1:5061>'], auth: creds('op01'), ...opts });
    t.equal(res.status, 200);
    return listed(res)[0]?.expires;
  };
  t.equal(await expiresOf({ expires: 60 }), 60, 'the minimum itself is fine');
  t.equal(await expiresOf({ expires: 86_400 }), 3600, 'above the maximum: the maximum');
  t.equal(await expiresOf({ expires: 4_294_967_295 }), 3600, 'even at the largest delta-seconds');
  t.equal(await expiresOf({}), 1800, 'none: the default');
  t.equal(await expiresOf({ contacts: ['<sip:op01@127.0.0.1:5061>;expires=120'], expires: 600 }), 120, 'the contact parameter wins');
  t.equal(await expiresOf({ expires: ' 90 ' }), 90, 'spaces around the number are fine');
  const bads: RegisterOptions[] = [
    ...['soon', '-5', '', '1.5', '0x20', '4294967296'].map((expires) => ({ expires })),
    ...['"120"', '', '-1', 'never'].map((v) => ({ contacts: [`<sip:op01@127.0.0.1:5061>;expires${v ? `=${v}` : ''}`] })),
  ];
  for (const bad of bads) {
    const res = await register(phone, site, 'op01', { contacts: ['<sip:op01@127.0.0.1:5061>'], auth: creds('op01'), ...bad });
    t.equal(res.status, 400, `${JSON.stringify(bad)} is refused, never read as 0 (removal)`);
  }
  t.same(site.location.lookup('op01').map((b) => Math.round((b.expiresAt - Date.now()) / 1000)), [90], 'the binding is as the last good REGISTER left it');
});

t.test('a REGISTER older than the binding (same Call-ID, lower CSeq) fails and changes nothing', async (t) => {
  const site = await registrarSite(t);
  const raw = await rawPhone(t, site, 'op01', PASSWORDS.op01);
  const callId = `order-${process.pid}`;
  t.equal((await raw.register({ callId, cseq: 10, expires: 600 })).status, 200);
  const [bound] = site.location.lookup('op01');
  t.match(bound, { callId, cseq: 10 });

  const late = await raw.register({ callId, cseq: 9, expires: 0 });
  t.equal(late.status, 500, 'a REGISTER out of order fails (§10.3 step 7)');
  t.equal(late.reason, 'Out Of Order');
  t.same(site.location.lookup('op01').map((b) => b.cseq), [10], 'a removal with a lower CSeq is ignored');
  t.equal((await raw.register({ callId, cseq: 10, expires: 120 })).status, 500, 'so is one with the same CSeq');
  const [same] = site.location.lookup('op01');
  t.ok(same && same.expiresAt - Date.now() > 300_000, 'which changes nothing either');

  t.equal((await raw.register({ callId: `${callId}-other`, cseq: 1, expires: 120 })).status, 200, 'another Call-ID may have any CSeq');
  const [other] = site.location.lookup('op01');
  t.match(other, { callId: `${callId}-other`, cseq: 1 });
  t.ok(other && other.expiresAt - Date.now() < 125_000);

  t.equal((await raw.register({ callId: `${callId}-other`, cseq: 2, expires: 0 })).status, 200);
  t.same(site.location.lookup('op01'), [], 'a higher CSeq removes');
});

t.test('bindings expire by the clock, and every change is announced', async (t) => {
  let now = Date.now();
  const site = await registrarSite(t, { now: () => now, sweepMs: 10 });
  const changes: Array<[string, string[]]> = [];
  site.location.on('change', (user, bindings) => changes.push([user, contactsOf(bindings)]));
  const phone = await startStack(t);
  const mine = ownContact(phone, 'op01').slice(1, -1);
  t.equal((await register(phone, site, 'op01', { expires: 120, auth: creds('op01') })).status, 200);
  t.equal((await register(phone, site, 'op01', { contacts: ['<sip:op01@192.0.2.9>'], expires: 600, auth: creds('op01') })).status, 200);
  t.same(changes, [['op01', [mine]], ['op01', [mine, 'sip:op01@192.0.2.9']]]);

  now += 119_000;
  await sleep(50);
  t.equal(site.location.lookup('op01').length, 2, 'nothing expires early');
  t.equal(changes.length, 2, 'nor is announced');
  const listedNow = listed(await register(phone, site, 'op02', { contacts: ['<sip:op02@192.0.2.9>'], expires: 60, auth: creds('op02') }));
  t.same(listedNow, [{ uri: 'sip:op02@192.0.2.9', expires: 60 }]);

  now += 2_000;
  const [user, left] = (await once(site.location, 'change')) as [string, Binding[]];
  t.equal(user, 'op01');
  t.same(contactsOf(left), ['sip:op01@192.0.2.9'], 'the 120 s binding went, by the sweep');
  t.same(contactsOf(site.location.lookup('op01')), ['sip:op01@192.0.2.9']);

  now += 600_000;
  await sleep(50);
  t.same(site.location.lookup('op01'), []);
  t.same(site.location.users(), [], 'no user is left');
  t.equal(site.location.size, 0);
  t.same(changes.slice(-2).map(([u, b]) => [u, b.length]).sort(), [['op01', 0], ['op02', 0]], 'both expiries announced with no binding left');
});

t.test('a binding records where the REGISTER came from, whatever its Contact says (NAT)', async (t) => {
  const site = await registrarSite(t);
  const phone = await startStack(t);
  t.equal((await register(phone, site, 'op01', { contacts: ['<sip:op01@192.168.10.23:5060>'], auth: creds('op01') })).status, 200);
  const [binding] = site.location.lookup('op01');
  t.equal(binding?.contact, 'sip:op01@192.168.10.23:5060', 'the Contact is kept as registered');
  t.same(binding?.source, { transport: 'udp', address: '127.0.0.1', port: phone.transport.local('udp').port }, 'and the flow is where the packets came from');

  t.equal((await register(phone, site, 'op02', { contacts: ['<sip:op02@192.168.10.24:5060;transport=tcp>'], transport: 'tcp', auth: creds('op02') })).status, 200);
  const [tcp] = site.location.lookup('op02');
  t.equal(tcp?.source.transport, 'tcp', 'over TCP the flow is the connection');
  t.equal(tcp?.source.address, '127.0.0.1');
});

// ---------------------------------------------------------------------------------------------------------
// Calls between softphones, and from trunks

interface Appliance extends Site {
  trunks: TrunkMonitor;
}

/**
 * Routing only: a trunk's call is handed to the call flow, here a stand-in that answers 480 with a reason the
 * tests can see; SDP crosses the B2BUA as it is. Media and the call flow are in callflow-*.test.ts.
 */
const TO_CALL_FLOW = 'Handed To Call Flow';
const handedToCallFlow = async (req: IncomingRequest) => void req.respond(480, { reason: TO_CALL_FLOW });
const sdpPassThrough: SoftphoneMedia = {
  isUp: () => true,
  begin: async () => ({ transform: async (sdp) => sdp, answered: async () => undefined, failed: async () => undefined, ended: async () => undefined }),
};

async function appliance(t: Test, trunkList: Trunk[] = []): Promise<Appliance> {
  const site = await registrarSite(t);
  const trunks = new TrunkMonitor(site.stack, trunkList);
  site.stack.onRequest(
    'INVITE',
    routeSoftphoneCalls({ stack: site.stack, location: site.location, auth: site.auth, trunks, userState: (u) => sipUserState(users, u), log: silentLog, trunkCall: handedToCallFlow, media: sdpPassThrough, features: { matches: () => false, handle: async () => undefined } }),
  );
  return { ...site, trunks };
}

/** A softphone: a client stack that answers calls with SDP_B and keeps what it received. */
async function softphone(t: Test, user: SipUser, site: Site): Promise<{ stack: SipStack; invites: SipRequest[]; dialogs: Dialog[] }> {
  const stack = await startStack(t, { userAgent: `phone-${user}` });
  const invites: SipRequest[] = [];
  const dialogs: Dialog[] = [];
  stack.onRequest('INVITE', async (req) => {
    invites.push(req.msg);
    dialogs.push(await stack.createUAS(req, { sdp: SDP_B }));
  });
  const res = await register(stack, site, user, { auth: creds(user) });
  if (res.status !== 200) throw new Error(`${user} did not register: ${res.status}`);
  return { stack, invites, dialogs };
}

async function callError(p: Promise<Dialog>): Promise<SipError> {
  try {
    const d = await p;
    await d.destroy();
  } catch (e) {
    if (e instanceof SipError) return e;
    throw e;
  }
  throw new Error('the call was answered');
}

t.test('softphones call each other by user name through the appliance, after a 407', async (t) => {
  const app = await appliance(t);
  const a = await softphone(t, 'op01', app);
  const b = await softphone(t, 'op02', app);
  const uri = `sip:op02@127.0.0.1:${app.port}`;

  const unauthenticated = await callError(a.stack.createUAC({ uri, from: '<sip:op01@127.0.0.1>', sdp: SDP_A }));
  t.equal(unauthenticated.status, 407, 'a call without credentials is challenged as a proxy would');
  t.same(
    unauthenticated.response?.headers.lines('proxy-authenticate').map((c) => parseDigest(c).get('algorithm')),
    ['SHA-256', 'MD5'],
  );
  t.equal(b.invites.length, 0, 'and does not ring');

  const call = await a.stack.createUAC({ uri, from: '"山田" <sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01') });
  t.equal(call.remoteSdp, SDP_B, "the caller gets the callee's answer");
  t.equal(b.invites.length, 1, 'the callee rang once');
  const invite = b.invites[0]!;
  t.equal(invite.uri, ownContact(b.stack, 'op02').slice(1, -1), 'at the contact it registered');
  t.equal(invite.text, SDP_A, "with the caller's offer");
  t.equal(invite.from.uri.scheme === 'sip' && invite.from.uri.user, 'op01', 'from op01');
  t.equal(invite.from.displayName, '山田');
  t.notOk(invite.headers.get('proxy-authorization'), 'the credentials stay at the appliance');
  t.equal(app.stack.dialogCount, 2, 'the appliance holds both legs');

  const ended = once(b.dialogs[0]!, 'destroy');
  await call.destroy();
  await ended;
  t.equal(b.stack.dialogCount, 0, 'hanging up reaches the callee');
  for (let i = 0; i < 50 && app.stack.dialogCount; i++) await sleep(10);
  t.equal(app.stack.dialogCount, 0, 'and ends both legs at the appliance');

  // The identity presented to the callee is the one that authenticated, whatever From said.
  const spoof = await a.stack.createUAC({ uri, from: '"区長" <sip:op03@127.0.0.1>', sdp: SDP_A, auth: creds('op01') });
  const presented = b.invites[1]!.from;
  t.equal(presented.uri.scheme === 'sip' && presented.uri.user, 'op01', 'op01 cannot call as op03');
  t.equal(presented.displayName, undefined, 'nor borrow a display name with it');
  await spoof.destroy();
});

t.test('a call to a user who exists but is not registered is 480, to an unknown user 404', async (t) => {
  const app = await appliance(t);
  const a = await softphone(t, 'op01', app);
  const call = (callee: string) => callError(a.stack.createUAC({ uri: `sip:${callee}@127.0.0.1:${app.port}`, from: '<sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01') }));
  t.equal((await call('op03')).status, 480, 'op03 has an account but no phone registered');
  t.equal((await call('nobody')).status, 404, 'nobody has no account');
  t.equal((await call('sv09')).status, 404, 'sv09 has no SIP account');
  t.equal((await callError(a.stack.createUAC({ uri: `sip:127.0.0.1:${app.port}`, from: '<sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01') }))).status, 404, 'a Request-URI without a user');

  const wrong = await callError(a.stack.createUAC({ uri: `sip:op03@127.0.0.1:${app.port}`, from: '<sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01', 'not-the-password') }));
  t.equal(wrong.status, 407, 'a wrong password is challenged again');
  t.equal(app.stack.counters.get('authFailures'), 1);
});

t.test('calls from a trunk are known by address and go to the call flow; a digest trunk must be its own account', async (t) => {
  const plain = await startStack(t, { transports: ['udp'] });
  const digest = await startStack(t, { transports: ['udp'] });
  const app = await appliance(t, [
    { name: 't12', peer: { transport: 'udp', address: '127.0.0.1', port: plain.transport.local('udp').port } },
    { name: 't1', peer: { transport: 'udp', address: '127.0.0.1', port: digest.transport.local('udp').port }, digestUser: 'carrier01' },
  ]);
  const uri = `sip:0354321111@127.0.0.1:${app.port}`;
  const fromCarrier = '<sip:0312345678@127.0.0.1>';

  const fromPlain = await callError(plain.createUAC({ uri, from: fromCarrier, sdp: SDP_A }));
  t.equal(fromPlain.reason, TO_CALL_FLOW, 'the main line is recognised without a challenge');

  const unanswered = await callError(digest.createUAC({ uri, from: fromCarrier, sdp: SDP_A }));
  t.equal(unanswered.status, 407, 'the digest trunk is challenged');
  const wrongAccount = await callError(digest.createUAC({ uri, from: fromCarrier, sdp: SDP_A, auth: creds('op01') }));
  t.equal(wrongAccount.status, 403, "an operator's good credentials are not the trunk's");
  t.equal(wrongAccount.reason, 'Not This Trunk');
  const wrongPassword = await callError(digest.createUAC({ uri, from: fromCarrier, sdp: SDP_A, auth: creds('carrier01', 'not-the-password') }));
  t.equal(wrongPassword.status, 407, 'a wrong password is challenged again');
  const right = await callError(digest.createUAC({ uri, from: fromCarrier, sdp: SDP_A, auth: creds('carrier01') }));
  t.equal(right.reason, TO_CALL_FLOW, 'the right account gets to the call flow');

  // A softphone on the carrier's address but another port is no trunk.
  const a = await softphone(t, 'op01', app);
  const fromPhone = await callError(a.stack.createUAC({ uri: `sip:op03@127.0.0.1:${app.port}`, from: '<sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01') }));
  t.equal(fromPhone.status, 480);
  t.not(fromPhone.reason, TO_CALL_FLOW, 'is routed as a softphone');
});

t.test('a disabled account is not rung, though its softphone is still registered (O4)', async (t) => {
  const app = await appliance(t);
  const a = await softphone(t, 'op01', app);
  const c = await softphone(t, 'op03', app);
  t.equal(app.location.lookup('op03').length, 1, 'op03 is registered');
  await accounts.setDisabled(userIds.op03, true, admin);
  t.teardown(() => accounts.setDisabled(userIds.op03, false, admin));
  const refused = await callError(a.stack.createUAC({ uri: `sip:op03@127.0.0.1:${app.port}`, from: '<sip:op01@127.0.0.1>', sdp: SDP_A, auth: creds('op01') }));
  t.equal(refused.status, 404, 'a call to a disabled account is 404');
  t.equal(c.invites.length, 0, 'and its softphone does not ring');
});
