/**
 * Departments and desks calls are transferred to (T7). The branch offices and 区民課 desks are the
 * spec's own numbers (§8(1)①); the head-office departments are realistic demo entries: the ward supplies
 * the real directory at hand-over and edits it in the console.
 * `saturdayTransfer`: 太子堂出張所 and the 総合支所区民課 desks also take Saturdays except the third (§9(1)②(カ)).
 */
import type { Department } from '../repositories/reference.js';

type Row = [id: string, name: string, nameEn: string, phone: string, saturday?: boolean];

const BRANCHES: [id: string, ja: string, en: string, kumin: string, koseki: string][] = [
  ['setagaya', '世田谷', 'Setagaya', '03-5432-2814', '03-5432-2825'],
  ['kitazawa', '北沢', 'Kitazawa', '03-5478-8039', '03-5478-8041'],
  ['tamagawa', '玉川', 'Tamagawa', '03-3702-1137', '03-3702-1136'],
  ['kinuta', '砧', 'Kinuta', '03-3482-3861', '03-3482-1326'],
  ['karasuyama', '烏山', 'Karasuyama', '03-3326-8290', '03-3326-8293'],
];

const ROWS: Row[] = [
  ['kokuho-nenkin', '保健福祉政策部 国保・年金課', 'National Health Insurance and Pension Division', '03-5432-2350'],
  ['kazei', '財務部 課税課', 'Taxation Division', '03-5432-2192'],
  ['nozei', '財務部 納税課', 'Tax Collection Division', '03-5432-2206'],
  ['seiso-recycle', '清掃・リサイクル部 事業課', 'Waste and Recycling Division', '03-6304-3254'],
  ['hoiku', '保育部 保育課', 'Childcare Division', '03-5432-2318'],
  ['kodomo-katei', '子ども・若者部 子ども家庭課', 'Children and Families Division', '03-5432-2577'],
  ['kaigo-hoken', '高齢福祉部 介護保険課', 'Long-term Care Insurance Division', '03-5432-2637'],
  ['shogai-hoshi', '障害福祉部 障害保健福祉課', 'Disability Welfare Division', '03-5432-2388'],
  ['kenko-suishin', '世田谷保健所 健康推進課', 'Health Promotion Division', '03-5432-2447'],
  ['doboku-kanri', '道路・交通計画部 工事第一課', 'Road Works Division', '03-5432-2543'],
  ['koen-ryokuchi', '土木部 公園緑地課', 'Parks and Green Spaces Division', '03-6432-7917'],
  ['jutaku', '都市整備政策部 住宅管理課', 'Municipal Housing Division', '03-6432-7154'],
  ['kyoiku-gakumu', '教育委員会事務局 学務課', 'School Affairs Division', '03-5432-2698'],
  ['bunka-kokusai', '生活文化政策部 文化・国際課', 'Culture and International Affairs Division', '03-5432-2126'],
  ['senkyo', '選挙管理委員会事務局', 'Election Administration Commission', '03-5432-2853'],
  ['kohoka', '政策経営部 広報広聴課', 'Public Relations Division', '03-5432-2011'],
  ['taishido-office', '太子堂出張所', 'Taishido Branch Office', '03-3413-1247', true],
  ['kyodo-office', '経堂出張所', 'Kyodo Branch Office', '03-3420-7143'],
  ['yoga-office', '用賀出張所', 'Yoga Branch Office', '03-3700-3657'],
  ['futakotamagawa-office', '二子玉川出張所', 'Futakotamagawa Branch Office', '03-3707-4946'],
  ['karasuyama-office', '烏山出張所', 'Karasuyama Branch Office', '03-3300-5361'],
  ...BRANCHES.flatMap(([id, ja, en, kumin, koseki]): Row[] => [
    [`${id}-kumin`, `${ja}総合支所 区民課 区民係`, `${en} General Branch, Residents Section`, kumin, true],
    [`${id}-koseki`, `${ja}総合支所 区民課 戸籍係`, `${en} General Branch, Family Register Section`, koseki, true],
  ]),
];

export const DEPARTMENTS: Department[] = ROWS.map(([id, name, nameEn, phone, saturday], i) => ({
  id,
  name,
  nameEn,
  phone,
  saturdayTransfer: saturday ?? false,
  sort: (i + 1) * 10,
  active: true,
}));
