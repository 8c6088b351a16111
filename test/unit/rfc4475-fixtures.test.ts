import { readdirSync } from 'node:fs';
import t from 'tap';
import { fixtureDir, tortureBytes, tortureCases, type TortureCase } from '../helpers/rfc4475.js';

const cases = tortureCases();
const byName = new Map(cases.map((c) => [c.file.replace(/\.dat$/, ''), c]));
const bytes = (name: string) => tortureBytes(byName.get(name)!);
const afterHeaders = (b: Buffer) => b.length - b.indexOf('\r\n\r\n') - 4;

t.test('cases.json and the .dat files match one to one', async (t) => {
  const onDisk = readdirSync(fixtureDir).filter((f) => f.endsWith('.dat')).sort();
  t.same(cases.map((c) => c.file).sort(), onDisk);
  t.equal(new Set(cases.map((c) => c.file)).size, cases.length, 'no file listed twice');
  t.equal(new Set(cases.map((c) => c.section)).size, cases.length, 'no section listed twice');
});

t.test('every message of RFC 4475 section 3 is there', async (t) => {
  const count = (prefix: string) => cases.filter((c) => c.section.startsWith(prefix)).length;
  t.equal(cases.length, 49);
  t.equal(count('3.1.1.'), 13, 'valid messages');
  t.equal(count('3.1.2.'), 19, 'invalid messages');
  t.equal(count('3.2.'), 1, 'transaction layer');
  t.equal(count('3.3.'), 15, 'application layer');
  t.equal(count('3.4.'), 1, 'backward compatibility');
});

t.test('each entry is complete and consistent', async (t) => {
  for (const c of cases) {
    const line = tortureBytes(c).toString('latin1').split('\r\n', 1)[0]!;
    t.equal(c.kind, line.startsWith('SIP/2.0 ') ? 'response' : 'request', `${c.file} kind`);
    t.ok(['udp', 'stream'].includes(c.transport), `${c.file} transport`);
    t.ok(c.title && c.note, `${c.file} title and note`);
    if (c.expect === 'reject') t.ok(Number.isInteger(c.status) && c.status! >= 400 && c.status! < 700, `${c.file} status`);
    else t.equal(c.status, undefined, `${c.file} has a status only if rejected`);
    if (c.kind === 'response') t.not(c.expect, 'reject', `${c.file}: responses are never answered`);
    for (const [key, value] of Object.entries(c.checks ?? {})) {
      if (typeof value === 'string' && value !== '') t.ok(tortureBytes(c).includes(value, 0, 'latin1'), `${c.file} ${key}`);
    }
  }
});

t.test('the expectations the RFC names', async (t) => {
  const expectation = (c: TortureCase) => (c.status ? `${c.expect} ${c.status}` : c.expect);
  const of = (...names: string[]) => names.map((n) => expectation(byName.get(n)!));
  t.same(of('wsinv', 'intmeth', 'esc02', 'dblreq', 'mpart01', 'unreason', 'noreason', 'inv2543'), Array(8).fill('accept'));
  t.same(of('badvers', 'mismatch02', 'unkscm', 'novelsc', 'bext01', 'invut', 'sdp01'), [
    'reject 505',
    'reject 501',
    'reject 416',
    'reject 416',
    'reject 420',
    'reject 415',
    'reject 406',
  ]);
  t.same(of('badinv01', 'clerr', 'ncl', 'scalar02', 'insuf', 'multi01', 'mcl01'), Array(7).fill('reject 400'));
  t.same(of('scalarlg', 'bigcode', 'bcast'), ['drop', 'drop', 'drop']);
});

t.test('byte-exact facts of the RFC messages', async (t) => {
  for (const c of cases) {
    const b = tortureBytes(c);
    // mpart01's binary S/MIME part is the only place a lone CR or LF belongs.
    const text = c.file === 'mpart01.dat' ? b.subarray(0, b.indexOf('\r\n\r\n') + 4) : b;
    t.notMatch(text.toString('latin1').replace(/\r\n/g, ''), /[\r\n]/, `${c.file}: every line ends in CRLF`);
    if (c.checks?.bodyLength !== undefined && c.file !== 'dblreq.dat') {
      t.equal(afterHeaders(b), c.checks.bodyLength, `${c.file}: body length`);
    }
  }

  const wsinv = bytes('wsinv');
  t.equal(wsinv.length, 1001, 'wsinv.dat is 1001 octets');
  t.equal(afterHeaders(wsinv), 150, 'its body is the 150 octets Content-Length declares');
  t.ok(wsinv.includes('from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n'));

  const intmeth = bytes('intmeth');
  t.ok(intmeth.includes('To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:', 0, 'latin1'), 'intmeth quotes BEL, NUL and DEL');
  t.ok(intmeth.includes(Buffer.from('extensionHeader-!.%*+_`\'~:\u{feff}大停電\r\n')), 'a UTF-8 header value with its BOM');
  t.same(
    cases.filter((c) => tortureBytes(c).includes(0)).map((c) => c.file),
    ['intmeth.dat', 'mpart01.dat'],
    'only intmeth and mpart01 carry NUL octets',
  );
  t.ok(bytes('escnull').includes('sip:%00%00@') && !bytes('escnull').includes(0), 'escnull escapes its NULs');

  const mpart = bytes('mpart01');
  t.equal(mpart.length, 1290);
  t.equal(afterHeaders(mpart), 553);
  const der = mpart.subarray(mpart.indexOf('\r\n\r\n', mpart.indexOf('application/octet-stream')) + 4);
  t.same([...der.subarray(0, 4)], [0x30, 0x82, 0x01, 0x52], 'a DER SEQUENCE of 338 octets');
  t.equal(der.subarray(342).toString('latin1'), '\r\n--7a9cbec02ceef655--\r\n');

  const longreq = bytes('longreq');
  t.equal(longreq.length, 3515);
  t.equal(longreq.toString('latin1').match(/\r\n(via|v)[ \t]*:/gi)?.length, 34, '34 Via header fields');
  t.ok(longreq.includes(`;tag=12${'982'.repeat(50)}424;`));

  t.match(bytes('trws').toString('latin1'), /^OPTIONS sip:remote-target@example\.com SIP\/2\.0 {2}\r\n/);
  t.match(bytes('noreason').toString('latin1'), /^SIP\/2\.0 100 \r\n/);
  t.match(bytes('lwsstart').toString('latin1'), /^INVITE {2}sip:user@example\.com {2}SIP\/2\.0\r\n/);
  t.equal(
    bytes('unreason').toString('utf8').split('\r\n', 1)[0],
    'SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое',
  );
  t.equal(bytes('scalar02').toString('latin1').match(/\r\nExpires: (\d+)\r\n/)?.[1], `1${'0'.repeat(100)}`);
  t.ok(bytes('dblreq').includes('Content-Length: 0\r\n\r\n\r\nINVITE sip:joe@example.com SIP/2.0\r\n'));
  t.ok(bytes('multi01').toString('latin1').endsWith('a=rtpmap:31 LPC\r\n\r\n'), "multi01's l: 154 counts a trailing empty line");
  const baddn = bytes('baddn');
  t.ok(!baddn.includes('\r\n\r\n') && baddn.toString('latin1').endsWith('\r\nl: 0\r\n'), 'baddn has no empty line, as archived');
  t.notOk(bytes('inv2543').toString('latin1').match(/\r\n(Content-Length|l):/i), 'inv2543 has no Content-Length');
});
