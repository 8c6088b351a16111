/** What the console's route modules are given: the services, built once per app. */
import type { AccountService } from '../accounts/account-service.js';
import type { LoginService } from '../accounts/login-service.js';
import type { SessionService } from '../accounts/session-service.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { Db } from '../../db/connection.js';
import type { AuditRepository } from '../../db/repositories/audit.js';
import type { ReferenceRepository } from '../../db/repositories/reference.js';

export interface ConsoleContext {
  db: Db;
  clock: Clock;
  log: Logger;
  secureCookies: boolean;
  login: LoginService;
  sessions: SessionService;
  accounts: AccountService;
  reference: ReferenceRepository;
  audit: AuditRepository;
}
