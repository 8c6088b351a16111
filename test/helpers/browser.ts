/** Headless Chromium (Debian's, FIELD-NOTES) driven by playwright-core, closed when the test ends. */
import { chromium, type Browser } from 'playwright-core';
import type { Test } from 'tap';

const EXECUTABLE = process.env.SC_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS });
  t.teardown(() => browser.close());
  return browser;
}
