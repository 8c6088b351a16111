/**
 * The public FAQ site's pages, server-rendered for every browser, screen readers and translation
 * services (F(2)イ, オ, ス, セ): plain HTML in Japanese, readable on phones, nothing that blocks translation.
 * The FAQ itself arrives in a later issue; until then the home page says so and points to the ward site.
 */
export const WARD_SITE = 'https://www.city.setagaya.lg.jp/';
const CENTRE = 'せたがやコール';
const CENTRE_PHONE = '03-5432-3333';
const CENTRE_FAX = '03-5432-3100';

function page(title: string, main: string): string {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} | ${CENTRE}</title>
<style>
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif; line-height: 1.7; margin: 0 auto; max-width: 40rem; padding: 1rem; color: #1a1a1a; }
a { color: #0645ad; }
footer { margin-top: 2rem; border-top: 1px solid #ccc; font-size: 0.9rem; }
</style>
</head>
<body>
<header><p><a href="/">${CENTRE} よくある質問</a></p></header>
<main>
${main}
</main>
<footer>
<p>${CENTRE}（世田谷区お問い合わせセンター）電話 <a href="tel:${CENTRE_PHONE}">${CENTRE_PHONE}</a>　FAX ${CENTRE_FAX}<br>
受付時間 平日 8時～19時、土日祝日 8時～18時（年中無休）</p>
<p><a href="${WARD_SITE}">世田谷区公式ホームページ</a></p>
</footer>
</body>
</html>
`;
}

export function homePage(): string {
  return page(
    'よくある質問（FAQ）',
    `<h1>よくある質問（FAQ）</h1>
<p>よくある質問のページは、ただいま準備中です。公開まで今しばらくお待ちください。</p>
<p>区の手続きや施設のご案内は<a href="${WARD_SITE}">世田谷区公式ホームページ</a>をご覧いただくか、${CENTRE}へお問い合わせください。</p>`,
  );
}

export function notFoundPage(): string {
  return page(
    'ページが見つかりません',
    `<h1>ページが見つかりません</h1>
<p>お探しのページは移動または削除されたか、アドレスが間違っている可能性があります。</p>
<p><a href="/">よくある質問のトップページへ戻る</a></p>`,
  );
}

export function errorPage(): string {
  return page(
    'ただいま表示できません',
    `<h1>ただいま表示できません</h1>
<p>一時的な障害のため、ページを表示できませんでした。しばらくしてからもう一度お試しください。</p>
<p><a href="/">よくある質問のトップページへ戻る</a></p>`,
  );
}
