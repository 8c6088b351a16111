/**
 * Demo accounts, one per role plus operators op01-op20 with SIP credentials (listed in the README so
 * anyone can register a softphone and log in at once). Only for `sc seed --demo` and `npm start` on an
 * empty data folder; never on a production appliance.
 */
import type { Role } from '../roles.js';

export interface DemoUser {
  username: string;
  displayName: string;
  roles: Role[];
  departmentId?: string;
  password: string;
  sipPassword?: string;
}

const operators: DemoUser[] = Array.from({ length: 20 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return { username: `op${n}`, displayName: `オペレーター${n}`, roles: ['operator'], password: `demo-pass-op${n}`, sipPassword: `sip-pass-op${n}` };
});

export const DEMO_USERS: DemoUser[] = [
  { username: 'admin', displayName: 'システム管理者', roles: ['admin'], password: 'demo-pass-admin' },
  { username: 'manager', displayName: '管理責任者', roles: ['manager'], password: 'demo-pass-manager' },
  { username: 'sv01', displayName: 'スーパーバイザー01', roles: ['supervisor'], password: 'demo-pass-sv01', sipPassword: 'sip-pass-sv01' },
  { username: 'ward01', displayName: '国保・年金課 職員', roles: ['ward_staff'], departmentId: 'kokuho-nenkin', password: 'demo-pass-ward01' },
  { username: 'author01', displayName: '清掃・リサイクル部 FAQ作成者', roles: ['faq_author'], departmentId: 'seiso-recycle', password: 'demo-pass-author01' },
  { username: 'approver01', displayName: 'FAQ承認者', roles: ['faq_approver'], password: 'demo-pass-approver01' },
  ...operators,
];
