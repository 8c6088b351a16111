/**
 * The flow every ward number (T1) starts with: the centre's greeting, the language menu of T10 and the
 * general queue. Plain data here (db knows no apps); apps/callflow/flow-definition.ts checks its shape.
 */
export const DEFAULT_FLOW = {
  format: 1,
  queue: 'general',
  languageMenu: {
    options: { '1': 'ja', '2': 'en', '3': 'zh', '4': 'ko', '9': 'interpreter' },
    timeoutS: 5,
    attempts: 2,
  },
  languageQueues: { en: 'english', zh: 'chinese', ko: 'korean' },
  busyAt: 5,
} as const;
