import type { Test } from 'tap';
import type { Config } from '../../appliance/config.js';
import { createLogger } from '../../appliance/log.js';
import { AccountService } from '../../apps/accounts/account-service.js';
import { createConsoleApp } from '../../apps/console/app.js';
import type { Clock } from '../../apps/time/clock.js';
import type { Db } from '../../db/connection.js';
import type { Role } from '../../db/roles.js';
import { serve } from './serve.js';

export interface SiteUser {
  username: string;
  displayName?: string;
  roles: Role[];
  departmentId?: string;
}

/** The console app on a free port with these accounts, each with the password `<username>-password`; its base URL. */
export async function consoleSite(t: Test, o: { db: Db; clock: Clock; config: Config; users: SiteUser[] }): Promise<string> {
  const accounts = new AccountService(o.db, o.clock, { minPasswordLength: o.config.auth.minPasswordLength, sipRealm: o.config.sip.realm });
  for (const u of o.users) {
    const { username, displayName = username, roles, departmentId } = u;
    await accounts.create({ username, displayName, roles, password: `${username}-password`, ...(departmentId ? { departmentId } : {}) }, { id: null, name: 'test' });
  }
  return serve(t, createConsoleApp({ db: o.db, clock: o.clock, config: o.config, log: createLogger('console', 'error', () => {}) }));
}

/** A fetch client with its own cookie jar that does not follow redirects, like one browser tab. */
export class Client {
  readonly jar = new Map<string, string>();
  setCookies: string[] = [];
  constructor(readonly base: string) {}

  async send(method: 'GET' | 'POST', path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))) : undefined;
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + path, { method, body, redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
    this.setCookies = res.headers.getSetCookie();
    for (const c of this.setCookies) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.send('GET', path, undefined, headers);
  }

  post(path: string, form: Record<string, string | string[]>) {
    return this.send('POST', path, form);
  }

  /** The CSRF token of the page at `path`. */
  async csrf(path: string): Promise<string> {
    const page = await this.get(path);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.text);
    if (!m) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return m[1]!;
  }

  async login(username: string, password: string) {
    const _csrf = await this.csrf('/login');
    return this.post('/login', { _csrf, username, password, next: '/' });
  }
}
