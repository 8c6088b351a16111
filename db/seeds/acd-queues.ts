/**
 * The centre's six queues (待ち行列, T5, T10) as the appliance starts with them; the ward changes them with
 * `sc queue set` (a newer version is kept). Plain data here (db knows no apps); apps/acd/queue-definition.ts
 * checks the shape. The call flow sends callers to them by language (db/seeds/call-flows.ts languageQueues).
 */
const base = { format: 1, minLevel: 1, ringTimeoutS: 15, wrapUpS: 30, announceEveryS: 60, announceEstimate: true } as const;

/** Foreign-language callers are offered a callback after 90 s: the general queue needs Japanese (skill ja). */
const languageOverflow = [{ afterS: 90, action: 'callback' }] as const;

export const ACD_QUEUES = {
  general: {
    ...base,
    name: '一般',
    nameEn: 'General',
    skill: 'ja',
    strategy: 'longest-idle',
    // T4: the busy message with the count when many wait; a callback after two minutes.
    overflow: [
      { waitingAtLeast: 10, action: 'busy' },
      { afterS: 120, action: 'callback' },
    ],
    alarm: { raiseAt: 5, clearAt: 2 },
  },
  events: { ...base, name: 'イベント申込', nameEn: 'Event sign-up', skill: 'events', strategy: 'top-down', overflow: [], alarm: { raiseAt: 5, clearAt: 2 } },
  english: { ...base, name: '英語', nameEn: 'English', skill: 'en', strategy: 'longest-idle', overflow: languageOverflow, alarm: { raiseAt: 3, clearAt: 1 } },
  chinese: { ...base, name: '中国語', nameEn: 'Chinese', skill: 'zh', strategy: 'longest-idle', overflow: languageOverflow, alarm: { raiseAt: 3, clearAt: 1 } },
  korean: { ...base, name: '韓国語', nameEn: 'Korean', skill: 'ko', strategy: 'longest-idle', overflow: languageOverflow, alarm: { raiseAt: 3, clearAt: 1 } },
  // Election days (T2): every ready operator rings at once, so the first free one answers.
  election: { ...base, name: '選挙', nameEn: 'Election', skill: 'election', strategy: 'ring-all', overflow: [], alarm: { raiseAt: 5, clearAt: 2 } },
} as const;

export type SeedQueueId = keyof typeof ACD_QUEUES;
