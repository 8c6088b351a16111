/**
 * The two requests a UAC derives from its own INVITE with the same branch: the ACK of a non-2xx final
 * (§17.1.1.3) and the CANCEL (§9.1). Both copy the Request-URI, the top Via, Route, From, Call-ID and the
 * CSeq number; the ACK takes To from the response (its tag), the CANCEL from the INVITE.
 */
import { Headers } from '../message/headers.js';
import { EMPTY, SipRequest } from '../message/message.js';

export function inviteSibling(invite: SipRequest, method: 'ACK' | 'CANCEL', to: string): SipRequest {
  const h = new Headers();
  h.append('Via', invite.headers.values('via')[0]!);
  for (const route of invite.headers.lines('route')) h.append('Route', route);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from')!);
  h.append('To', to);
  h.append('Call-ID', invite.callId);
  h.append('CSeq', `${invite.cseq.seq} ${method}`);
  return new SipRequest(method, invite.uri, h, EMPTY);
}
