/** A supervisor finds a call recording in Chromium and its player loads the WAV (T8): duration known, seekable. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { systemClock } from '../../apps/time/clock.js';
import { encodeWav } from '../../media/audio/wav.js';
import { sineTone } from '../../media/rtp/tone.js';
import { AuditRepository } from '../../db/repositories/audit.js';
import { RecordingsRepository } from '../../db/repositories/recordings.js';
import { axeViolations } from '../helpers/axe.js';
import { launchBrowser, logIn, watchedPage } from '../helpers/browser.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';
import { serve } from '../helpers/serve.js';

const dataDir = tempDataDir(t);
const db = await migratedDb(t, 'internal', dataDir);
const accounts = new AccountService(db, systemClock, { minPasswordLength: 10, sipRealm: 'setagaya-call' });
await accounts.create({ username: 'sv01', displayName: 'SVテスト', roles: ['supervisor'], password: 'sv01-password' }, { id: null, name: 'test' });

// 12 s of stereo audio: caller 400 Hz left, operator 1 kHz right.
const left = sineTone(400, 12_000);
const right = sineTone(1000, 12_000);
const wav = encodeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(left.length * 2).map((_, i) => (i % 2 ? right[i >> 1]! : left[i >> 1]!)) });
const start = new Date('2027-06-01T10:00:00+09:00');
const [callId] = await db('calls').insert({ sip_call_id: 'browser-call', dnis: '0354323333', caller: '0312345678', started_at: start.toISOString(), answered_at: start.toISOString(), agent: 'op01' });
const path = `recordings/2027/06/01/${callId}.wav`;
mkdirSync(dirname(join(dataDir, path)), { recursive: true });
writeFileSync(join(dataDir, path), wav);
const id = await new RecordingsRepository(db).insert(
  { callId: callId!, path, startedAt: start, endedAt: new Date(start.getTime() + 12_000), durationMs: 12_000, bytes: wav.length, caller: '0312345678', dnis: '0354323333', agent: 'op01', complete: true, incompleteReason: null },
  start,
);
/** What the test reads of the page's <audio> element (the DOM's types are not in this project's lib). */
interface Player {
  readyState: number;
  duration: number;
  currentTime: number;
  seekable: { length: number; end(i: number): number };
  error: { code: number } | null;
  onloadedmetadata: unknown;
  onerror: unknown;
  onseeked: unknown;
}

const base = await serve(t, createConsoleApp({ db, clock: systemClock, config: { ...parseConfig({}), dataDir }, log: createLogger('console', 'error', () => {}) }));

t.test('list, open, and the player loads the recording', async (t) => {
  const browser = await launchBrowser(t);
  const { page, problems } = await watchedPage(browser);

  await logIn(page, base, 'sv01', 'sv01-password');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '通話録音' }).click();
  await page.waitForURL(base + '/recordings');
  t.match(await page.locator('table').textContent(), /2027-06-01 10:00:00/);
  await page.getByRole('link', { name: /再生・ダウンロード/ }).click();
  await page.waitForURL(`${base}/recordings/${id}`);

  const audio = page.locator('audio');
  await audio.evaluate((a: Player) => (a.readyState >= 1 ? undefined : new Promise((ok, fail) => ((a.onloadedmetadata = ok), (a.onerror = () => fail(new Error(`media error ${a.error?.code}`)))))));
  const duration = await audio.evaluate((a: Player) => a.duration);
  t.ok(duration > 11.9 && duration < 12.1, `the player knows the length (${duration} s)`);
  const seekable = await audio.evaluate((a: Player) => (a.seekable.length ? a.seekable.end(0) : 0));
  t.ok(seekable > 11.9, `seekable to the end (${seekable} s): the server answers Range requests`);
  await audio.evaluate((a: Player) => {
    a.currentTime = 9;
    return new Promise((ok) => (a.onseeked = ok));
  });
  t.ok((await audio.evaluate((a: Player) => a.currentTime)) >= 9, 'seeking works');
  t.same(problems, [], 'no console errors (CSP allows the same-origin audio)');
  const plays = (await new AuditRepository(db).list({ action: 'recording.play' })).filter((e) => e.entityId === String(id));
  t.ok(plays.length >= 1, 'the playback was audit-logged');
  t.equal(plays[0]!.actor, 'sv01');
});

t.test('the list (with a filter error) and the player page pass axe (WCAG 2.1 AA)', async (t) => {
  const browser = await launchBrowser(t);
  // axe is injected as a script, which the pages' CSP forbids.
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await logIn(page, base, 'sv01', 'sv01-password');
  for (const path of ['/recordings', '/recordings?from=2027-02-30', `/recordings/${id}`]) {
    await page.goto(base + path);
    t.same(await axeViolations(page), [], path);
  }
});
