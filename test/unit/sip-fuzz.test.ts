import t from 'tap';
import { maxMutationBytes, mutations, ordinaryMessages, seededRandom } from '../helpers/sip-fuzz.js';
import { tortureBytes, tortureCases } from '../helpers/rfc4475.js';

const corpus = [...tortureCases().map(tortureBytes), ...ordinaryMessages];
const run = (seed: number, count: number) => [...mutations(corpus, seed, count)];

t.test('the generator is a deterministic function of the seed', async (t) => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const values = Array.from({ length: 1000 }, () => a());
  t.same(values, Array.from({ length: 1000 }, () => b()));
  t.ok(values.every((v) => v >= 0 && v < 1), 'values lie in [0, 1)');
  t.not(seededRandom(8)(), seededRandom(7)());
  t.ok(new Set(values).size > 990, 'values hardly repeat');
});

t.test('the same seed gives the same mutants, another seed others', async (t) => {
  const first = run(42, 300);
  const again = run(42, 300);
  t.ok(first.every((m, i) => m.equals(again[i]!)), 'seed 42 twice');
  const other = run(43, 300);
  const same = first.filter((m, i) => m.equals(other[i]!)).length;
  t.ok(same < 15, `seeds 42 and 43 agree on only ${same} of 300`);
});

t.test('it yields exactly count mutants, lazily', async (t) => {
  t.equal(run(1, 0).length, 0);
  t.equal(run(1, 1).length, 1);
  t.equal(run(1, 257).length, 257);
  const endless = mutations(corpus, 1, Number.MAX_SAFE_INTEGER);
  t.ok(endless.next().value instanceof Buffer, 'a huge count costs nothing up front');
  t.throws(() => mutations([], 1, 1).next(), RangeError);
});

t.test('every mutant stays within the size bound, and the big strategies reach it', async (t) => {
  const all = run(2024, 3000);
  const longest = Math.max(...all.map((m) => m.length));
  t.ok(longest <= maxMutationBytes, `longest is ${longest} octets`);
  t.ok(longest > 60 * 1024, 'a 64 KiB header value was tried');
  t.ok(all.some((m) => m.length === 0 || m.length < 40), 'some are cut very short');
});

t.test('mutants differ from their corpus and mix their strategies', async (t) => {
  const all = run(99, 2000);
  const unchanged = all.filter((m) => corpus.some((c) => c.equals(m))).length;
  t.ok(unchanged < all.length / 50, `${unchanged} of ${all.length} are a corpus message unchanged`);
  const ordinary = [...mutations(ordinaryMessages, 5, 2000)].map((m) => m.toString('latin1'));
  t.ok(ordinary.some((m) => m.includes('\u0000')), 'NUL octets inserted');
  t.ok(ordinary.some((m) => /[\u0080-\u00ff]/.test(m)), 'octets that are not ASCII inserted');
  t.ok(ordinary.some((m) => /^SIP\/2\.0 (99|1000|abc) /.test(m)), 'status codes out of range');
  t.ok(ordinary.some((m) => /^(invite|INV\u0000ITE|IN VITE) /.test(m)), 'methods mangled');
  t.ok(ordinary.some((m) => /\r\n(Content-Length|l|content-length): -1\r\n/.test(m)), 'negative Content-Length');
  t.ok(ordinary.some((m) => m.split(';').length > 1000), 'a parameter repeated 1000 times');
  t.ok(ordinary.some((m) => m.includes('"<"<"<')), 'nested quotes and angle brackets');
});

t.test('the ordinary messages are well formed', async (t) => {
  t.equal(ordinaryMessages.length, 10);
  const methods = ordinaryMessages.map((m) => m.toString('latin1').split(' ', 2).join(' '));
  t.same(methods, [
    'INVITE sip:0120123456@pbx.example.com',
    'SIP/2.0 200',
    'ACK sip:0120123456@192.0.2.1:5060',
    'BYE sip:0120123456@192.0.2.1:5060',
    'REGISTER sip:pbx.example.com',
    'OPTIONS sip:pbx.example.com',
    'CANCEL sip:0120123456@pbx.example.com',
    'SIP/2.0 401',
    'REFER sip:0312345678@192.0.2.10:5060',
    'NOTIFY sip:0120123456@192.0.2.1:5060',
  ]);
  for (const m of ordinaryMessages) {
    const text = m.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    t.ok(end > 0, 'the header section ends with an empty line');
    t.notMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF');
    const declared = /\r\nContent-Length: (\d+)\r\n/.exec(text.slice(0, end + 2));
    t.equal(Number(declared?.[1]), m.length - end - 4, 'Content-Length counts the body');
    for (const name of ['Via', 'To', 'From', 'Call-ID', 'CSeq']) t.match(text, new RegExp(`\r\n${name}: `), name);
  }
  t.match(ordinaryMessages[0]!.toString(), /\r\nContent-Type: application\/sdp\r\n[^]*\r\n\r\nv=0\r\n/);
  t.match(ordinaryMessages[4]!.toString(), /\r\nAuthorization: Digest username="101", realm=/);
  t.match(ordinaryMessages[7]!.toString(), /\r\nWWW-Authenticate: Digest realm=/);
  t.match(ordinaryMessages[8]!.toString(), /\r\nRefer-To: <sip:/);
  t.match(ordinaryMessages[9]!.toString(), /\r\nContent-Type: message\/sipfrag;version=2\.0\r\n[^]*\r\n\r\nSIP\/2\.0 100 Trying\r\n$/);
});
