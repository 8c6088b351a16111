/** The `faq-public` process: the public FAQ site on config.faqPublic, reading only the public zone. */
import { createPublicApp } from '../../apps/faq/public-app.js';
import { openMigratedZone } from '../../db/migrator.js';
import { fatal, loadRuntime } from '../runtime.js';
import { serveWeb } from '../web-process.js';

const NAME = 'faq-public';

async function main(): Promise<void> {
  const { config, clock, log } = loadRuntime(NAME);
  const db = await openMigratedZone(config.dataDir, 'public');
  serveWeb({
    name: NAME,
    configKey: 'faqPublic',
    listener: config.faqPublic,
    app: createPublicApp({ db, clock, log }),
    log,
    close: () => db.destroy(),
  });
}

main().catch((e: unknown) => fatal(NAME, e));
