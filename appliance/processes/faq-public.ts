/** The `faq-public` process: the public FAQ site on config.faqPublic, reading only the public zone. */
import { createPublicApp } from '../../apps/faq/public-app.js';
import { openZone } from '../../db/connection.js';
import { fatal, loadRuntime } from '../runtime.js';
import { serveWeb } from '../web-process.js';

const NAME = 'faq-public';

try {
  const { config, clock, log } = loadRuntime(NAME);
  const db = openZone(config.dataDir, 'public');
  serveWeb({
    name: NAME,
    configKey: 'faqPublic',
    listener: config.faqPublic,
    app: createPublicApp({ db, clock, log }),
    log,
    close: () => db.destroy(),
  });
} catch (e) {
  fatal(NAME, e);
}
