/** Methods this stack knows (RFC 3261 and extensions): a known one it does not serve is 405, an unknown one 501 (§21.5.2). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'UPDATE', 'INFO', 'REFER', 'NOTIFY', 'MESSAGE', 'SUBSCRIBE', 'PRACK', 'PUBLISH',
]);
