/**
 * The registrar (RFC 3261 §10.3): REGISTER authenticated by digest, a user may register only their own
 * address, several contacts per user, expiry bounded by Min-Expires (423) and a maximum, Call-ID/CSeq
 * ordering, `Contact: *` removal, and the 200 listing every current binding.
 */
import type { SipCounters } from '../counters.js';
import type { IncomingRequest } from '../core/incoming-request.js';
import { SipSyntaxError } from '../message/syntax.js';
import { isSipUri, unescape } from '../message/uri.js';
import type { LocationService } from './location.js';
import type { RequestAuthenticator } from './request-authenticator.js';

export interface RegistrarOptions {
  /** Expiry given when the REGISTER names none (§10.2.1.1 suggests 3600). */
  defaultExpires: number;
  minExpires: number;
  maxExpires: number;
}

export const DEFAULT_REGISTRAR: RegistrarOptions = { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 };

export class Registrar {
  constructor(
    private readonly location: LocationService,
    private readonly auth: RequestAuthenticator,
    private readonly counters: SipCounters,
    private readonly options: RegistrarOptions = DEFAULT_REGISTRAR,
  ) {}

  /** The `onRequest('REGISTER')` handler. */
  readonly handle = async (req: IncomingRequest): Promise<void> => {
    const msg = req.msg;
    const to = msg.to.uri;
    // §10.3 step 3 and RFC 4475 unksm2: an address of record is a SIP or SIPS URI, checked before any challenge.
    if (!isSipUri(to)) {
      req.respond(400, { reason: 'To Is Not a SIP URI' });
      return;
    }
    const user = await this.auth.authenticate(req);
    if (user === undefined) return;
    // §10.3 step 6: only the owner of an address may bind contacts to it.
    if (to.user === undefined || unescape(to.user) !== user) {
      req.respond(403, { reason: 'Not Your Address' });
      return;
    }
    const callId = msg.callId;
    const cseq = msg.cseq.seq;
    const headerExpires = msg.headers.get('expires');
    const values = msg.headers.values('contact');
    const defaultExpires = headerExpires === undefined ? this.options.defaultExpires : deltaSeconds(headerExpires);
    if (defaultExpires === undefined) {
      req.respond(400, { reason: 'Bad Expires' });
      return;
    }
    if (values.includes('*')) {
      // §10.3 step 6: "*" only alone and with Expires: 0.
      if (values.length > 1 || headerExpires === undefined || defaultExpires !== 0) {
        req.respond(400, { reason: 'Wildcard Contact Needs Expires 0' });
        return;
      }
      // §10.3 step 7 holds for each binding: one made by a later request of this Call-ID stays.
      this.location.removeAll(user, (b) => b.callId === callId && b.cseq >= cseq);
      this.answer(req, user);
      return;
    }
    let contacts;
    try {
      contacts = msg.contacts.map((c) => {
        // A malformed value is refused, never read as 0 (which would remove the binding) or NaN.
        const param = c.params.get('expires');
        const expires = param === undefined ? defaultExpires : deltaSeconds(param);
        if (expires === undefined) throw new SipSyntaxError(`bad expires in Contact ${c.uriText}`);
        const q = c.params.has('q') ? qvalue(c.params.get('q')) : 1;
        if (q === undefined) throw new SipSyntaxError(`bad q value in Contact ${c.uriText}`);
        return { uri: c.uriText, expires: Math.min(expires, this.options.maxExpires), q };
      });
    } catch (e) {
      req.respond(400, { reason: e instanceof SipSyntaxError ? 'Bad Contact' : 'Bad Request' });
      return;
    }
    const tooBrief = contacts.find((c) => c.expires > 0 && c.expires < this.options.minExpires);
    if (tooBrief) {
      req.respond(423, { headers: [['Min-Expires', String(this.options.minExpires)]] });
      return;
    }
    // §10.3 step 7: a REGISTER not newer than a binding it names (same Call-ID, CSeq not higher) is out of
    // order; the whole request fails and changes nothing.
    const stale = contacts.some((c) => {
      const existing = this.location.find(user, c.uri);
      return existing !== undefined && existing.callId === callId && existing.cseq >= cseq;
    });
    if (stale) {
      req.respond(500, { reason: 'Out Of Order' });
      return;
    }
    for (const c of contacts) {
      const binding = { user, contact: c.uri, callId, cseq, source: req.source, q: c.q };
      const userAgent = msg.headers.get('user-agent');
      this.location.put(userAgent === undefined ? binding : { ...binding, userAgent }, c.expires);
    }
    this.answer(req, user);
  };

  /** §10.3 step 8: 200 listing every current binding of the user with its remaining time, and the Date. */
  private answer(req: IncomingRequest, user: string): void {
    this.counters.count('registrations');
    const now = this.location.now();
    const listed = this.location.lookup(user).map((b): [string, string] => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`]);
    req.respond(200, { headers: [...listed, ['Date', new Date(now).toUTCString()]] });
  }
}

/** RFC 3261 §25.1 delta-seconds (what Expires and the expires parameter hold), or undefined if malformed. */
function deltaSeconds(value: string | null): number | undefined {
  const v = value?.trim();
  return v !== undefined && /^[0-9]{1,10}$/.test(v) && Number(v) <= 2 ** 32 - 1 ? Number(v) : undefined;
}

/** RFC 3261 §25.1 qvalue: 0 to 1 with at most three decimals; undefined if malformed (a bare `q` included). */
function qvalue(value: string | null | undefined): number | undefined {
  const v = value?.trim();
  return v !== undefined && /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(v) ? Number(v) : undefined;
}
