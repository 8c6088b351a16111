/**
 * The key in a SIP INFO carrying DTMF, as softphones and gateways send it when they do not use RFC 4733:
 * `application/dtmf-relay` ("Signal=5\r\nDuration=160") and `application/dtmf` ("5"). Null for any other INFO.
 */
import type { SipRequest } from './message.js';

const KEY = /^[0-9*#A-D]$/i;

export function dtmfFromInfo(req: SipRequest): string | null {
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const body = req.text.trim();
  let key: string | undefined;
  if (type === 'application/dtmf-relay') {
    key = /^signal[ \t]*=[ \t]*(\S+)/im.exec(body)?.[1];
  } else if (type === 'application/dtmf') {
    key = body;
  }
  if (key === undefined) return null;
  // Some gateways send the RFC 4733 event number (10 = *, 11 = #) instead of the character.
  if (key === '10') key = '*';
  else if (key === '11') key = '#';
  return KEY.test(key) ? key.toUpperCase() : null;
}
