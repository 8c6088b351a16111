import t from 'tap';
import { answerChallenge } from '../../sip/auth/digest-client.js';
import { DigestSyntaxError, formatDigest, parseDigest, parseList } from '../../sip/auth/digest-params.js';
import { DigestServer } from '../../sip/auth/digest-server.js';
import { type DigestAlgorithm, digestResponse, formatNonceCount, ha1, parseNonceCount, safeEqual } from '../../sip/auth/digest.js';
import { NonceIssuer } from '../../sip/auth/nonce-issuer.js';

const REALM = 'setagaya.test';
const URI = 'sip:setagaya.test';

/** A server knowing alice/"alice secret", a movable clock, and what the lookup was asked. */
function setup(nonceLifetimeMs?: number) {
  let time = 1_800_000_000_000;
  const lookups: string[] = [];
  const server = new DigestServer({
    realm: REALM,
    nonceLifetimeMs,
    now: () => time,
    lookup: async (user, realm, algorithm) => {
      lookups.push(`${user}@${realm}/${algorithm}`);
      return user === 'alice' ? ha1(algorithm, user, realm, 'alice secret') : undefined;
    },
  });
  const advance = (ms: number) => (time += ms);
  const answer = (challenges: string[], extra: { password?: string; nc?: number; uri?: string } = {}) =>
    answerChallenge({ challenges, method: 'REGISTER', uri: extra.uri ?? URI, user: 'alice', password: extra.password ?? 'alice secret', nc: extra.nc });
  return { server, advance, answer, lookups };
}

/** Replaces one parameter of an Authorization value, keeping its quoting. */
function tamper(authorization: string, name: string, value: string): string {
  return authorization.replace(new RegExp(`(?<=[\\s,])(${name}=)("[^"]*"|[^,]*)`), (_m, head: string, old: string) => head + (old.startsWith('"') ? `"${value}"` : value));
}

t.test('RFC 2617 §3.5 example: MD5 with qop=auth', async (t) => {
  const input = {
    algorithm: 'MD5' as const,
    ha1: ha1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'),
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  };
  t.equal(digestResponse({ ...input, qop: 'auth', nc: '00000001', cnonce: '0a4f113b' }), '6629fae49393a05397450978507c4ef1');
  // Legacy RFC 2069 form, checked independently: printf ... | openssl dgst -md5 on HA1:nonce:HA2.
  t.equal(digestResponse(input), '670fd8c2df070c60b045671b8b24ff02');
  t.throws(() => digestResponse({ ...input, qop: 'auth' }), /needs nc and cnonce/);
  t.equal(digestResponse({ ...input, ha1: input.ha1.toUpperCase() }), '670fd8c2df070c60b045671b8b24ff02', 'HA1 in upper case is the same key');
});

t.test('RFC 7616 §3.9.1 example: SHA-256 (value recomputed with openssl dgst -sha256)', async (t) => {
  const h = ha1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
  t.equal(h, '7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232');
  t.equal(
    digestResponse({
      algorithm: 'SHA-256',
      ha1: h,
      method: 'GET',
      uri: '/dir/index.html',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

t.test('the client answers the RFC 7616 §3.9.1 challenges with SHA-256, whatever their order', async (t) => {
  const challenges = [
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  ];
  const value = answerChallenge({
    challenges,
    method: 'GET',
    uri: '/dir/index.html',
    user: 'Mufasa',
    password: 'Circle of Life',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  });
  t.equal(
    value,
    'Digest username="Mufasa", realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
      'uri="/dir/index.html", response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", algorithm=SHA-256, ' +
      'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop=auth, nc=00000001',
    'algorithm, qop and nc unquoted; opaque echoed',
  );
});

t.test('the client answers a challenge without qop in the RFC 2069 form, and MD5 when nothing else is offered', async (t) => {
  const value = answerChallenge({
    challenges: ['Basic realm="x"', 'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'],
    method: 'GET',
    uri: '/dir/index.html',
    user: 'Mufasa',
    password: 'Circle Of Life',
  });
  const p = parseDigest(value);
  t.equal(p.get('response'), '670fd8c2df070c60b045671b8b24ff02');
  t.equal(p.get('algorithm'), 'MD5');
  t.notOk(p.has('qop') || p.has('nc') || p.has('cnonce'), 'no qop, nc or cnonce');
  t.throws(() => answerChallenge({ challenges: ['Digest realm="r", nonce="n", qop="auth-int"'], method: 'GET', uri: '/', user: 'u', password: 'p' }), DigestSyntaxError);
  t.throws(() => answerChallenge({ challenges: ['Digest realm="r", nonce="n", algorithm=SHA-512-256'], method: 'GET', uri: '/', user: 'u', password: 'p' }), DigestSyntaxError);
  t.throws(() => answerChallenge({ challenges: [], method: 'GET', uri: '/', user: 'u', password: 'p' }), /no usable Digest challenge/);
});

t.test('the server challenges with SHA-256 first, then MD5, both qop="auth" and one nonce', async (t) => {
  const { server } = setup();
  const values = server.challenge();
  t.equal(values.length, 2);
  const [sha, md5] = values.map(parseDigest);
  t.equal(sha?.get('algorithm'), 'SHA-256');
  t.equal(md5?.get('algorithm'), 'MD5');
  for (const p of [sha, md5]) {
    t.equal(p?.get('realm'), REALM);
    t.equal(p?.get('qop'), 'auth');
    t.notOk(p?.has('stale'));
  }
  t.equal(sha?.get('nonce'), md5?.get('nonce'));
  t.match(values[0], /^Digest realm="setagaya\.test", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"$/);
  t.match(server.challenge(true)[1], /, stale=true$/);
});

for (const algorithm of ['SHA-256', 'MD5'] as DigestAlgorithm[]) {
  t.test(`client and server agree with ${algorithm}`, async (t) => {
    const { server, answer, lookups } = setup();
    const challenges = server.challenge().filter((c) => parseDigest(c).get('algorithm') === algorithm);
    const authorization = answer(challenges);
    t.same(await server.verify({ method: 'REGISTER', authorization, requestUri: URI }), { ok: true, user: 'alice' });
    t.same(lookups, [`alice@${REALM}/${algorithm}`]);
    const next = answer(challenges, { nc: 2 });
    t.same(await server.verify({ method: 'REGISTER', authorization: next }), { ok: true, user: 'alice' }, 'the nonce serves again with a higher count');
  });
}

t.test('a nonce past its lifetime is stale, and a fresh challenge works again', async (t) => {
  const { server, answer, advance } = setup(60_000);
  const challenges = server.challenge();
  advance(60_000);
  t.same(await server.verify({ method: 'REGISTER', authorization: answer(challenges) }), { ok: true, user: 'alice' }, 'exactly the lifetime is still fresh');
  advance(1);
  const late = await server.verify({ method: 'REGISTER', authorization: answer(challenges, { nc: 2 }) });
  t.same(late, { ok: false, stale: true, reason: 'stale nonce' });
  t.same(await server.verify({ method: 'REGISTER', authorization: answer(server.challenge()) }), { ok: true, user: 'alice' });
});

t.test('a nonce count not above the last one is a replay', async (t) => {
  const { server, answer } = setup();
  const challenges = server.challenge();
  const first = answer(challenges, { nc: 5 });
  t.ok((await server.verify({ method: 'REGISTER', authorization: first })).ok);
  for (const authorization of [first, answer(challenges, { nc: 4 })]) {
    const v = await server.verify({ method: 'REGISTER', authorization });
    t.same(v, { ok: false, stale: true, reason: `nonce count ${parseDigest(authorization).get('nc')} already used` });
  }
  t.ok((await server.verify({ method: 'REGISTER', authorization: answer(challenges, { nc: 6 }) })).ok);
});

t.test('a wrong password, an unknown user or a tampered digest is refused without stale', async (t) => {
  const { server, answer } = setup();
  const challenges = server.challenge();
  t.same(await server.verify({ method: 'REGISTER', authorization: answer(challenges, { password: 'guess' }) }), {
    ok: false,
    stale: false,
    reason: 'wrong response for alice',
  });
  const good = answer(challenges);
  t.same(await server.verify({ method: 'INVITE', authorization: good }), { ok: false, stale: false, reason: 'wrong response for alice' }, 'the method is covered');
  const bob = tamper(good, 'username', 'bob');
  t.same(await server.verify({ method: 'REGISTER', authorization: bob }), { ok: false, stale: false, reason: 'unknown user bob' });
  t.ok((await server.verify({ method: 'REGISTER', authorization: good })).ok, 'failed attempts did not burn the nonce count');
});

t.test('a nonce with a bad MAC is refused; stale only if the digest is right', async (t) => {
  const { server, answer } = setup();
  const nonce = parseDigest(server.challenge()[0] as string).get('nonce') as string;
  const flipped = (nonce[0] === 'A' ? 'B' : 'A') + nonce.slice(1);
  const forged = [`Digest realm="${REALM}", nonce="${flipped}", algorithm=SHA-256, qop="auth"`];
  t.same(await server.verify({ method: 'REGISTER', authorization: answer(forged) }), { ok: false, stale: true, reason: 'nonce not issued by this server' });
  t.same(await server.verify({ method: 'REGISTER', authorization: answer(forged, { password: 'guess' }) }), { ok: false, stale: false, reason: 'wrong response for alice' });
  const other = new DigestServer({ realm: REALM, lookup: async (u, r, a) => ha1(a, u, r, 'alice secret') });
  const v = await server.verify({ method: 'REGISTER', authorization: answer(other.challenge()) });
  t.same(v, { ok: false, stale: true, reason: 'nonce not issued by this server' }, "another server's nonce");
});

t.test('the server refuses credentials that do not follow the challenge', async (t) => {
  const { server, answer } = setup();
  const good = answer(server.challenge());
  const cases: [string | undefined, RegExp][] = [
    [undefined, /^no credentials$/],
    ['Basic YWxpY2U6c2VjcmV0', /not Digest/],
    ['Digest username="alice", realm=', /malformed/],
    [tamper(good, 'realm', 'elsewhere'), /realm "elsewhere" is not ours/],
    [tamper(good, 'algorithm', 'SHA-512-256'), /SHA-512-256 is not offered/],
    [good.replace(/, qop=auth, nc=\w+/, ''), /qop=auth is required/],
    [tamper(good, 'nc', '1'), /needs nc \(8 hex digits\) and cnonce/],
    [good.replace(/, response="\w+"/, ''), /lack username, realm, nonce, uri or response/],
  ];
  for (const [authorization, reason] of cases) {
    const v = await server.verify({ method: 'REGISTER', authorization });
    t.match(v, { ok: false, stale: false, reason }, String(authorization));
  }
});

t.test('the digest uri may differ from the request-URI but for scheme and host', async (t) => {
  const { server, answer } = setup();
  const challenges = server.challenge();
  const v1 = await server.verify({ method: 'REGISTER', authorization: answer(challenges, { uri: 'sip:alice@SETAGAYA.test:5060;transport=udp' }), requestUri: URI });
  t.ok(v1.ok, 'user part, port, parameters and case are not compared');
  const v2 = await server.verify({ method: 'REGISTER', authorization: answer(challenges, { uri: 'sips:setagaya.test', nc: 2 }), requestUri: URI });
  t.match(v2, { ok: false, stale: false, reason: /does not match the request-URI/ });
  const v3 = await server.verify({ method: 'REGISTER', authorization: answer(challenges, { uri: 'sip:evil.example', nc: 3 }), requestUri: URI });
  t.match(v3, { ok: false, reason: /does not match/ });
  const v4 = await server.verify({ method: 'REGISTER', authorization: answer(challenges, { uri: 'sip:evil.example', nc: 4 }) });
  t.ok(v4.ok, 'not compared without a request-URI');
});

t.test('nonce issuer: ok, stale, invalid, replay, and a bounded memory', async (t) => {
  let time = 0;
  const issuer = new NonceIssuer({ realm: 'r', lifetimeMs: 1_000, maxTracked: 2, now: () => time });
  const a = issuer.issue();
  t.match(a, /^[A-Za-z0-9_-]+$/, 'base64url');
  t.equal(issuer.check(a, 1), 'ok');
  t.equal(issuer.check(a, 1), 'replay');
  t.equal(issuer.check(a, 0), 'invalid', 'nc starts at 1');
  t.equal(issuer.check(a, 3), 'ok', 'counts may skip');
  t.equal(issuer.check(`${a}=`, 4), 'invalid', 'only the canonical spelling');
  t.equal(issuer.check(a.slice(0, -1), 4), 'invalid', 'truncated');
  t.equal(new NonceIssuer({ realm: 'r', now: () => time }).check(a, 1), 'invalid', 'another secret');
  const secret = Buffer.alloc(32, 7);
  const shared = new NonceIssuer({ realm: 'r', secret, now: () => time }).issue();
  t.equal(new NonceIssuer({ realm: 'r', secret, now: () => time }).check(shared, 1), 'ok', 'the same secret verifies');
  t.equal(new NonceIssuer({ realm: 'r2', secret, now: () => time }).check(shared, 1), 'invalid', 'bound to the realm');

  time = 10;
  const b = issuer.issue();
  time = 20;
  const c = issuer.issue();
  t.equal(issuer.check(b, 1), 'ok');
  t.equal(issuer.check(c, 1), 'ok', 'a is forgotten to make room');
  t.equal(issuer.check(a, 9), 'stale', 'a forgotten nonce is not accepted afresh');
  time = 1_001;
  t.equal(issuer.check(a, 10), 'stale');
  t.equal(issuer.check(b, 2), 'ok');
});

t.test('digest parameters: parsing', async (t) => {
  const p = parseDigest(' digest  USERNAME = "al\\"ice\\\\" ,realm="r, with comma",\r\n nc=00000001,\tqop=auth , Empty=""');
  t.same([...p], [
    ['username', 'al"ice\\'],
    ['realm', 'r, with comma'],
    ['nc', '00000001'],
    ['qop', 'auth'],
    ['empty', ''],
  ]);
  t.same([...parseDigest('Digest')], [], 'no parameters');
  t.same(parseList(' auth, auth-int ,'), ['auth', 'auth-int']);

  const bad = [
    'Basic realm="x"',
    'Digest realm',
    'Digest realm="x" nonce="y"',
    'Digest realm="x",',
    'Digest realm="unterminated',
    'Digest realm="x", REALM="y"',
    'Digest realm=a b',
    'Digest realm=sip:host',
    'Digest realm="bad\\',
    'Digest realm="ctl\u0001"',
    'Digest,realm="x"',
    '',
  ];
  for (const value of bad) t.throws(() => parseDigest(value), DigestSyntaxError, JSON.stringify(value));
  t.throws(() => parseDigest('Digest a=1, a=2'), /duplicate parameter a/);
});

t.test('digest parameters: formatting', async (t) => {
  const value = formatDigest({ username: 'a"b\\c', qop: 'auth', nc: '00000001', opaque: undefined }, ['qop', 'nc']);
  t.equal(value, 'Digest username="a\\"b\\\\c", qop=auth, nc=00000001');
  t.same([...parseDigest(value)], [
    ['username', 'a"b\\c'],
    ['qop', 'auth'],
    ['nc', '00000001'],
  ]);
  t.throws(() => formatDigest({ qop: 'auth, auth-int' }, ['qop']), DigestSyntaxError, 'a token cannot hold a list');
  t.throws(() => formatDigest({ username: 'a\r\nVia: x' }, []), DigestSyntaxError, 'no header injection');
});

t.test('nonce counts and constant-time comparison', async (t) => {
  t.equal(formatNonceCount(1), '00000001');
  t.equal(formatNonceCount(0x1ab), '000001ab');
  t.throws(() => formatNonceCount(0), RangeError);
  t.throws(() => formatNonceCount(2 ** 32), RangeError);
  t.equal(parseNonceCount('000001AB'), 0x1ab);
  t.equal(parseNonceCount('1'), undefined);
  t.ok(safeEqual('abc', 'abc'));
  t.notOk(safeEqual('abc', 'abd'));
  t.notOk(safeEqual('abc', 'abcd'));
});
