/** Headless Chromium (Debian's, FIELD-NOTES) driven by playwright-core, closed when the test ends. */
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Test } from 'tap';

const EXECUTABLE = process.env.SC_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS });
  t.teardown(() => browser.close());
  return browser;
}

/** A new page and the errors it reports (console errors, uncaught exceptions), to assert there are none. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems };
}

/** Logs in through the console's own form, as a person would: the home page sends them to it first. */
export async function logIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(base + '/');
  await page.waitForURL(base + '/login');
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(base + '/');
}
