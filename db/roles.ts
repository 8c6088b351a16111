/** The roles of O4 and C6: who may do what is decided from these in the apps. */
export const ROLES = [
  'operator', // オペレーター
  'supervisor', // スーパーバイザー
  'manager', // 管理責任者: the only one who deletes or prints records (C6)
  'ward_staff', // 区職員, bound to a department
  'faq_author', // FAQ 作成者, bound to a department (F12)
  'faq_approver', // FAQ 承認者 (F13)
  'admin', // システム管理者
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  operator: 'オペレーター',
  supervisor: 'スーパーバイザー',
  manager: '管理責任者',
  ward_staff: '区職員',
  faq_author: 'FAQ作成者',
  faq_approver: 'FAQ承認者',
  admin: 'システム管理者',
};

/** Roles whose holder acts for one department and must be bound to it. */
export const DEPARTMENT_ROLES: readonly Role[] = ['ward_staff', 'faq_author'];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}
