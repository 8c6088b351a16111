/**
 * Every page type of the console and the public site so far, checked by axe-core in real Chromium for
 * WCAG 2.1 AA (F4, JIS X 8341-3), including the states people meet: form errors, refusals, not found.
 */
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { createPublicApp } from '../../apps/faq/public-app.js';
import { systemClock } from '../../apps/time/clock.js';
import { axeViolations } from '../helpers/axe.js';
import { launchBrowser, logIn } from '../helpers/browser.js';
import { migratedDb } from '../helpers/data.js';
import { serve } from '../helpers/serve.js';

const config = parseConfig({});
const log = createLogger('test', 'error', () => {});
const internal = await migratedDb(t, 'internal');
const publicDb = await migratedDb(t, 'public');
const accounts = new AccountService(internal, systemClock, { minPasswordLength: config.auth.minPasswordLength, sipRealm: config.sip.realm });
const actor = { id: null, name: 'test' };
await accounts.create({ username: 'admin', displayName: '管理者テスト', roles: ['admin'], password: 'admin-password' }, actor);
const op = await accounts.create({ username: 'op01', displayName: 'オペレーター壱', roles: ['operator'], password: 'op01-password', sipPassword: 'sip-password-1' }, actor);

const consoleBase = await serve(t, createConsoleApp({ db: internal, clock: systemClock, config, log }));
const publicBase = await serve(t, createPublicApp({ db: publicDb, clock: systemClock, log }));
const browser = await launchBrowser(t);

async function check(t: Test, page: Page, what: string) {
  const violations = await axeViolations(page);
  t.same(violations, [], `${what}: no WCAG 2.1 AA violations`);
  t.equal(await page.getAttribute('html', 'lang'), 'ja', `${what}: lang="ja"`);
  t.ok((await page.title()).length > 0, `${what}: has a title`);
}

t.test('console pages as the administrator', async (t) => {
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(consoleBase + '/login');
  await check(t, page, 'login');
  await page.getByLabel('ユーザー名').fill('admin');
  await page.getByLabel('パスワード').fill('wrong-password');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForSelector('[role=alert], .alert, .error');
  await check(t, page, 'login with an error');
  await page.getByLabel('パスワード').fill('admin-password');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(consoleBase + '/');
  await check(t, page, 'home');
  for (const path of ['/admin/users', '/admin/users/new', `/admin/users/${op.id}`, '/admin/calendar', '/admin/audit', '/no/such/page']) {
    await page.goto(consoleBase + path);
    await check(t, page, path);
  }
  await page.goto(consoleBase + '/admin/users/new');
  await page.getByRole('button', { name: /作成/ }).click();
  await page.waitForLoadState();
  t.match(await page.content(), /aria-invalid="true"/, 'the refused form marks its fields');
  await check(t, page, 'user form with errors');
  await page.goto(consoleBase + '/admin/calendar');
  await page.getByRole('button', { name: '登録する' }).click();
  await page.waitForLoadState();
  t.match(await page.content(), /id="date-error"/, 'the refused calendar form shows its error');
  await check(t, page, 'calendar form with errors');
  await page.close();
});

t.test('a refusal page, as an operator', async (t) => {
  const page = await browser.newPage({ bypassCSP: true });
  await logIn(page, consoleBase, 'op01', 'op01-password');
  const res = await page.goto(consoleBase + '/admin/users');
  t.equal(res?.status(), 403);
  await check(t, page, 'forbidden');
  await page.close();
});

t.test('public site pages', async (t) => {
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(publicBase + '/');
  await check(t, page, 'public home');
  const res = await page.goto(publicBase + '/missing');
  t.equal(res?.status(), 404);
  await check(t, page, 'public not found');
  await page.close();
});

t.test('the checker itself finds violations when there are some', async (t) => {
  const page = await browser.newPage({ bypassCSP: true });
  await page.setContent('<html><head><title>x</title></head><body><img src="a.png"><input type="text"></body></html>');
  const ids = (await axeViolations(page)).map((v) => v.id);
  t.ok(ids.includes('image-alt') && ids.includes('html-has-lang') && ids.includes('label'), `found ${ids.join(', ')}`);
  await page.close();
});
