/**
 * The prompt page in real Chromium: the administrator uploads a recording through the plain form, sees it
 * labelled and playable, gets a refused file's reason next to its field, reverts; the page passes axe
 * (WCAG 2.1 AA, F4).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { systemClock } from '../../apps/time/clock.js';
import { readWav } from '../../media/audio/wav.js';
import { axeViolations } from '../helpers/axe.js';
import { launchBrowser, logIn } from '../helpers/browser.js';
import { migratedDb, tempDataDir } from '../helpers/data.js';
import { serve } from '../helpers/serve.js';

const dataDir = tempDataDir(t);
const db = await migratedDb(t, 'internal', dataDir);
const accounts = new AccountService(db, systemClock, { minPasswordLength: 10, sipRealm: 'setagaya-call' });
await accounts.create({ username: 'admin', displayName: '管理者', roles: ['admin'], password: 'admin-password' }, { id: null, name: 'test' });
const base = await serve(t, createConsoleApp({ db, clock: systemClock, config: parseConfig({ dataDir }), log: createLogger('console', 'error', () => {}) }));
const browser = await launchBrowser(t);

const recordingPath = join(dataDir, 'recording.wav');
execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', recordingPath, 'synth', '1.5', 'sine', '300-600', 'gain', '-10']);
const custom = join(dataDir, 'prompts', 'custom', 'goodbye.ja.wav');

/** The part of an <audio> element used here (the test compiles without the DOM library). */
interface MediaLike {
  duration: number;
  preload: string;
  load(): void;
  addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
}

t.test('upload, hear, refuse, revert', async (t) => {
  const page = await browser.newPage({ bypassCSP: true });
  await logIn(page, base, 'admin', 'admin-password');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '音声ガイダンス' }).click();
  await page.waitForURL(base + '/admin/prompts');
  t.same(await axeViolations(page), [], 'the list: no WCAG 2.1 AA violations');

  await page.getByLabel('終話（日本語）を差し替えるWAVファイル').setInputFiles(recordingPath);
  await page.getByRole('button', { name: '終話（日本語）を差し替える', exact: true }).click();
  await page.waitForURL(base + '/admin/prompts?done=replaced');
  t.equal(await page.getByRole('status').textContent(), '録音に差し替えました (replaced with the recording)');
  t.equal(await page.locator('#row-file-goodbye-ja .state').textContent(), '録音（差し替え済み）');
  t.equal(readWav(custom).samples.length, 12000, '1.5 s at 8 kHz stored');

  // The player loads what it names: the recording, decoded by Chromium itself.
  const duration = await page.locator('#row-file-goodbye-ja audio').evaluate(
    (a: MediaLike) =>
      new Promise<number>((resolve, reject) => {
        a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
        a.addEventListener('error', () => reject(new Error('audio failed to load')), { once: true });
        a.preload = 'metadata';
        a.load();
      }),
  );
  t.ok(Math.abs(duration - 1.5) < 0.05, `the player has the recording (${duration} s)`);

  await page.getByLabel('終話（English）を差し替えるWAVファイル').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not audio') });
  await page.getByRole('button', { name: '終話（English）を差し替える', exact: true }).click();
  await page.waitForLoadState();
  t.match(await page.locator('#file-goodbye-en-error').textContent(), /WAV形式の音声ファイルとして読み込めません/);
  t.match(await page.getByRole('alert').textContent(), /入力内容を確認してください/);
  t.same(await axeViolations(page), [], 'with an error: no WCAG 2.1 AA violations');
  t.notOk(existsSync(join(dataDir, 'prompts', 'custom', 'goodbye.en.wav')), 'nothing stored');

  const before = readFileSync(custom);
  t.ok(before.length > 0);
  await page.getByRole('button', { name: '終話（日本語）を合成音声に戻す' }).click();
  await page.waitForURL(base + '/admin/prompts?done=reverted');
  t.equal(await page.locator('#row-file-goodbye-ja .state').textContent(), '合成音声');
  t.notOk(existsSync(custom), 'recording removed');
  await page.close();
});
