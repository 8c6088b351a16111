import t from 'tap';
import type { Page } from 'playwright-core';
import { parseConfig } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import { systemClock } from '../../apps/time/clock.js';
import { UsersRepository } from '../../db/repositories/users.js';
import { launchBrowser, logIn, watchedPage } from '../helpers/browser.js';
import { migratedDb } from '../helpers/data.js';
import { serve } from '../helpers/serve.js';

const db = await migratedDb(t);
const config = parseConfig({});
const accounts = new AccountService(db, systemClock, { minPasswordLength: config.auth.minPasswordLength, sipRealm: config.sip.realm });
await accounts.create({ username: 'admin', displayName: '管理者テスト', roles: ['admin'], password: 'admin-password' }, { id: null, name: 'test' });
const base = await serve(t, createConsoleApp({ db, clock: systemClock, config, log: createLogger('console', 'error', () => {}) }));

/** Presses Tab until the control with `id` has focus; fails when it is not reachable by keyboard. */
async function tabTo(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if ((await page.locator(':focus').getAttribute('id')) === id) return;
  }
  throw new Error(`#${id} was not reached with Tab`);
}

t.test('log in, create a user with the keyboard, log out, log in as the new user', async (t) => {
  const browser = await launchBrowser(t);
  const { page, problems } = await watchedPage(browser);

  await logIn(page, base, 'admin', 'admin-password');
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'ようこそ、管理者テストさん');
  t.match(await page.locator('section[aria-labelledby=me] dl.facts').textContent(), /システム管理者/);

  await page.getByRole('link', { name: 'ユーザー管理' }).first().click();
  await page.waitForURL(base + '/admin/users');
  await page.getByRole('link', { name: 'ユーザーを作成する' }).click();
  await page.waitForURL(base + '/admin/users/new');

  await page.getByRole('heading', { level: 1 }).click();
  await tabTo(page, 'username');
  t.equal(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'solid', 'focus is visible (the stylesheet loaded)');
  await page.keyboard.type('newop');
  await tabTo(page, 'displayName');
  await page.keyboard.type('新人オペレーター');
  await tabTo(page, 'roles-operator');
  await page.keyboard.press('Space');
  await tabTo(page, 'password');
  await page.keyboard.type('newop-password');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/admin\/users\/\d+\?saved=created$/);
  t.equal(await page.getByRole('status').textContent(), 'ユーザーを作成しました (user created)');
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'ユーザーの編集: newop');
  const created = await new UsersRepository(db).byUsername('newop');
  t.same(created && { name: created.displayName, roles: created.roles }, { name: '新人オペレーター', roles: ['operator'] });

  await page.getByRole('button', { name: 'ログアウト' }).click();
  await page.waitForURL(base + '/login?out=1');
  t.equal(await page.getByRole('status').textContent(), 'ログアウトしました (logged out)');

  await logIn(page, base, 'newop', 'newop-password');
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'ようこそ、新人オペレーターさん');
  t.equal(await page.getByRole('link', { name: 'ユーザー管理' }).count(), 0, 'no admin link for an operator');
  t.same(problems, [], 'no failed loads, script, style or CSP errors in the browser');
  const forbidden = await page.goto(base + '/admin/users');
  t.equal(forbidden?.status(), 403);
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '権限がありません (forbidden)');
});
