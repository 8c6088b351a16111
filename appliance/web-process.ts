/**
 * Serving an HTTP app as an appliance process: one clear message and exit 2 when its listener cannot be
 * had (the supervisor then stops instead of restarting in a loop), and a clean close on SIGTERM/SIGINT.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from '../apps/logger.js';
import { listenError } from './listener-check.js';
import { httpUrl, type Listener } from './process-table.js';
import { fatal } from './runtime.js';

/** Open connections (keep-alive, live pages) get this long to finish before they are cut. */
const CLOSE_GRACE_MS = 3000;

export interface WebProcess {
  name: string;
  /** Where the listener is configured, to name it in messages. */
  configKey: string;
  listener: Listener;
  app: RequestListener;
  log: Logger;
  /** Releases what the app holds (databases) after the server closed. */
  close: () => Promise<void>;
}

/** Starts serving; the server is returned so that a live channel (socket.io) can share its port. */
export function serveWeb(w: WebProcess): Server {
  const server = createServer(w.app);
  let listening = false;
  server.on('error', (e: NodeJS.ErrnoException) => {
    // Once listening, an error is a crash like any other: the supervisor restarts the process.
    if (listening) throw e;
    fatal(w.name, listenError(e, w.listener, w.configKey));
  });
  server.listen(w.listener.port, w.listener.address, () => {
    listening = true;
    w.log.info('listening', { url: httpUrl(w.listener) });
  });

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    server.close(() => {
      w.close().then(
        () => process.exit(0),
        (e: unknown) => fatal(w.name, e),
      );
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return server;
}
