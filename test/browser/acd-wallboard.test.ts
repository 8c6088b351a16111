/**
 * The wallboard in real Chromium against the real call-control process (T5, T6): an operator's state change
 * made in another session appears without a reload; a caller from the trunk (sipp, English by key 2) waits
 * with nobody ready, which raises the 待ち呼警告灯 (raised at 1 waiting caller here) as red words with
 * role=alert, and hanging up clears it and counts the abandon; no console errors; axe finds no WCAG 2.1 AA
 * violations on the wallboard and the operator panel.
 */
import t from 'tap';
import { axeViolations } from '../helpers/axe.js';
import { launchBrowser, logIn, watchedPage } from '../helpers/browser.js';
import { acdConsole, demoPassword } from '../helpers/acd-console.js';
import { Client } from '../helpers/console-client.js';
import { freeUdpPort, startSipp } from '../helpers/sipp.js';

const CENTRE = '0354323333';
const sippPort = await freeUdpPort();
const site = await acdConsole(t, { clock: '2027-06-01T10:00:00+09:00', trunkPorts: [sippPort], config: { acd: { alarm: { raiseAt: 1, clearAt: 0 } } } });
const browser = await launchBrowser(t);
const { page, problems } = await watchedPage(browser);
await logIn(page, site.base, 'sv01', demoPassword('sv01'));
// axe is injected as a script, which our CSP forbids: it runs on a page of its own (the watched one keeps CSP).
const axePage = await browser.newPage({ bypassCSP: true });
await logIn(axePage, site.base, 'sv01', demoPassword('sv01'));

t.test("another session's state change shows on the wallboard without a reload", async (t) => {
  await page.goto(site.base + '/acd/wallboard');
  await page.waitForSelector('[data-conn]:has-text("自動更新中")');
  const state = page.locator('tr[data-agent="op03"] [data-f="state"]');
  t.equal(await state.textContent(), 'ログアウト', 'op03 starts logged out');

  const op = new Client(site.base);
  await op.login('op03', demoPassword('op03'));
  const r = await op.post('/acd/agents/op03/state', { _csrf: await op.csrf('/acd/me'), choice: 'ready', contact: 'softphone' });
  t.equal(r.status, 303, 'op03 logged in from their own panel');
  await page.waitForSelector('tr[data-agent="op03"] [data-f="state"][data-state="ready"]');
  t.equal(await state.textContent(), '受付可', 'the wallboard shows 受付可');
  t.equal(await page.locator('[data-queue="total"] dd').first().textContent(), '0', 'nobody waits yet');

  // Nobody may take the English caller below: op03 goes on a break.
  await op.post('/acd/agents/op03/state', { _csrf: await op.csrf('/acd/me'), choice: 'not_ready:break' });
  await page.waitForSelector('tr[data-agent="op03"] [data-f="state"][data-state="not_ready"]');
  t.equal(await state.textContent(), '離席（休憩）', 'and then 離席 with its reason');
});

t.test('a waiting caller raises the waiting-call alarm, and it clears when the caller hangs up', async (t) => {
  const total = page.locator('.acd-light [data-f="alarm"]');
  t.equal(await total.textContent(), 'なし', 'no alarm while nobody waits');
  const sipp = await startSipp({
    scenario: 'uac-ivr-english',
    target: `127.0.0.1:${site.cc.sipPort}`,
    localPort: sippPort,
    service: CENTRE,
    keys: { caller: '0312345678' },
    // Waits this long in the English queue (nobody ready), then hangs up: an abandoned call.
    extraArgs: ['-d', '15000'],
    calls: 1,
    timeoutMs: 90_000,
  });
  await page.waitForSelector('.acd-light [data-f="alarm"][role="alert"]', { timeout: 60_000 });
  t.equal(await total.textContent(), '待ち呼警告', 'the alarm says so in words');
  t.match(await total.getAttribute('class'), /\bon\b/, 'and is drawn red');
  t.equal(await page.locator('[data-queue="total"] dd[data-f="waiting"]').textContent(), '1', 'one caller waits');
  await axePage.goto(site.base + '/acd/wallboard');
  t.equal(await axePage.locator('.acd-light [data-f="alarm"][role="alert"]').textContent(), '待ち呼警告', 'the first paint (no script needed) has the alarm too');
  t.same(await axeViolations(axePage), [], 'the wallboard with its alarm on: no WCAG 2.1 AA violations');

  const result = await sipp.done;
  t.equal(result.successful, 1, `sipp's caller hung up as planned${result.successful ? '' : `: ${result.errors}`}`);
  await page.waitForSelector('.acd-light [data-f="alarm"]:not([role])', { timeout: 30_000 });
  t.equal(await total.textContent(), 'なし', 'the alarm clears');
  await page.waitForSelector('tr[data-queue="english"] [data-f="abandoned"]:has-text("1（")', { timeout: 30_000 });
  t.pass('the English queue counts the abandoned call');
});

t.test("the operator's panel passes axe too", async (t) => {
  await axePage.goto(site.base + '/acd/me');
  t.same(await axeViolations(axePage), [], 'no WCAG 2.1 AA violations');
  await axePage.goto(site.base + '/acd/callbacks/new');
  await axePage.getByRole('button', { name: '登録する' }).click();
  await axePage.waitForSelector('#number-error');
  t.same(await axeViolations(axePage), [], 'the callback form with its errors: no violations');
  // The watched page opens them too, for the console-error check below.
  await page.goto(site.base + '/acd/me');
  await page.waitForSelector('[data-conn]:has-text("自動更新中")');
});

t.test('no errors in the browser console', async (t) => {
  t.same(problems, []);
});
