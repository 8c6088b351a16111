/**
 * Call control's ACD API refuses what it should (ARCHITECTURE: commands flow from the console): no or a wrong
 * token (HTTP and the live feed), a malformed body, an unknown operator or call, a change the operator's state
 * does not allow; each refusal changes nothing.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { io } from 'socket.io-client';
import { acdApiTokenFile } from '../../appliance/acd-api-token.js';
import { startAcdSite } from '../helpers/acd.js';

t.test('the ACD API answers only the token holder, and bad requests change nothing', async (t) => {
  const site = await startAcdSite(t, { clock: '2027-06-01T10:00:00+09:00', trunkPorts: [] });
  const base = `http://127.0.0.1:${site.cc.healthPort}/acd`;
  t.equal((await fetch(`${base}/agents`)).status, 401, 'no token');
  t.equal((await fetch(`${base}/agents`, { headers: { authorization: 'Bearer wrong' } })).status, 401, 'a wrong token');

  const cases: Array<[string, string, unknown, number, string]> = [
    ['POST', '/agents/op01/state', { state: 'sleeping' }, 400, 'bad-request'],
    ['POST', '/agents/op01/state', { state: 'not_ready', reason: 'lunch' }, 400, 'bad-request'],
    ['POST', '/agents/op01/state', { state: 'ready', extra: 1 }, 400, 'bad-request'],
    ['POST', '/agents/nobody/state', { state: 'ready' }, 404, 'unknown-agent'],
    ['POST', '/agents/op01/wrap-up-end', {}, 409, 'bad-transition'],
    ['GET', '/agents/op01/call', undefined, 404, 'no-call'],
    ['POST', '/calls/999/hold', { agent: 'op01' }, 404, 'unknown-call'],
    ['POST', '/calls/abc/hold', { agent: 'op01' }, 400, 'bad-request'],
    ['POST', '/calls/999/transfer', { agent: 'op01', department: 'kokuho-nenkin', mode: 'sideways' }, 400, 'bad-request'],
    ['GET', '/nothing', undefined, 404, 'not-found'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await site.api<{ code: string; error: string }>(method as 'GET' | 'POST', path, body, [status]);
    t.equal(r.status, status, `${method} ${path} ${JSON.stringify(body ?? '')}: ${status}`);
    t.equal(r.body.code, code, r.body.error);
  }
  const raw = await fetch(`${base}/agents/op01/state`, { method: 'POST', headers: { authorization: `Bearer ${readFileSync(acdApiTokenFile(site.cc.dataDir), 'utf8')}`, 'content-type': 'application/json' }, body: '{"state":' });
  t.equal(raw.status, 400, 'a body that is not JSON');
  t.equal((await site.agent('op01')).state, 'logged_out', 'none of it changed op01');
  t.equal(await site.cc.db('agent_states').count({ n: '*' }).first().then((r) => Number(r?.n)), 0, 'and nothing was stored');

  const refused = io(`http://127.0.0.1:${site.cc.healthPort}`, { path: '/acd/live', auth: { token: 'wrong' }, transports: ['websocket'], reconnection: false });
  const error = await new Promise<Error>((resolve) => refused.once('connect_error', resolve));
  t.equal(error.message, 'unauthorized', 'the live feed refuses a wrong token');
  refused.close();
});
