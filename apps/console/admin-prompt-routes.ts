/**
 * IVR prompts for the system administrator: every segment in every language with its text and current audio,
 * replacement by an uploaded recording and revert to synthesis, each change in the audit log. A refused file
 * comes back as the page with its reason (400) and the prompt as it was. Mounted under /admin (admin only).
 */
import { statSync } from 'node:fs';
import type { Request, Response, Router } from 'express';
import type { PromptStore } from '../../media/prompts/prompt-store.js';
import { RecordingRejected } from '../../media/prompts/recording-import.js';
import { NO_LANG, SEGMENT_IDS, SEGMENTS, segmentLangs, segmentPart, segmentText, type SegmentId } from '../callflow/prompt-catalogue.js';
import type { ConsoleContext } from './context.js';
import { actorOf, mustSession } from './guards.js';
import { sendPage } from './http.js';
import { promptListPage, PROMPTS_PATH, rowKey, type PromptRow, type RowErrors } from './admin-prompt-views.js';
import { uploadedFile } from './prompt-upload.js';

const NOTICES: Record<string, string> = {
  replaced: '録音に差し替えました (replaced with the recording)',
  reverted: '合成音声に戻しました (back to synthesised speech)',
};

type Lang = PromptRow['lang'];

/** The segment and language named in the URL, if the catalogue has them. */
function target(req: Request): { segment: SegmentId; lang: Lang } | undefined {
  const segment = String(req.params.segment) as SegmentId;
  const lang = String(req.params.lang) as Lang;
  if (!(SEGMENT_IDS as string[]).includes(segment) || !segmentLangs(segment).includes(lang)) return undefined;
  return { segment, lang };
}

export function adminPromptRoutes(router: Router, ctx: ConsoleContext, store: PromptStore): void {
  const rows = (): PromptRow[] =>
    SEGMENT_IDS.flatMap((segment) =>
      segmentLangs(segment).map((lang) => {
        const custom = store.hasCustom(segment, lang);
        return {
          segment,
          lang,
          title: SEGMENTS[segment].title,
          kind: SEGMENTS[segment].kind,
          text: segmentText(segment, lang),
          custom,
          version: custom ? String(Math.round(statSync(store.customPath(segment, lang)).mtimeMs)) : 'tts',
        };
      }),
    );

  const render = (res: Response, status: number, errors: RowErrors = {}, notice?: string) => sendPage(res, status, promptListPage(mustSession(res), rows(), errors, notice));

  router.get('/prompts', (req, res) => {
    render(res, 200, {}, typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined);
  });

  router.get('/prompts/:segment/:lang/audio', async (req, res) => {
    const t = target(req);
    if (!t) return void res.status(404).type('text/plain').send('no such prompt');
    const audio = await store.partAudio(segmentPart(t.segment, t.lang));
    res.type('audio/wav').sendFile(audio.path);
  });

  router.post('/prompts/:segment/:lang/upload', async (req, res) => {
    const t = target(req);
    if (!t) return void res.status(404).type('text/plain').send('no such prompt');
    const s = mustSession(res);
    const file = uploadedFile(res);
    const key = rowKey(t.segment, t.lang);
    if (!file || !file.filename) return render(res, 400, { [key]: 'ファイルを選んでください (choose a file)' });
    try {
      const done = await store.replace(t.segment, t.lang, file.data, SEGMENTS[t.segment].kind);
      const detail = { filename: file.filename, bytes: file.data.length, seconds: Number(done.seconds.toFixed(2)), rmsDbfs: Number(done.rmsDbfs.toFixed(1)), original: done.original };
      const actor = actorOf(req, s);
      await ctx.audit.append({ actorId: actor.id, actor: actor.name, action: 'prompt.replace', entity: 'prompt', entityId: key, detail, ip: actor.ip }, ctx.clock.now());
      ctx.log.info('prompt replaced', { prompt: key, by: actor.name, seconds: detail.seconds });
    } catch (e) {
      if (e instanceof RecordingRejected) return render(res, 400, { [key]: `${SEGMENTS[t.segment].title}（${t.lang === NO_LANG ? '音楽' : t.lang}）: ${e.message}` });
      throw e;
    }
    res.redirect(303, `${PROMPTS_PATH}?done=replaced`);
  });

  router.post('/prompts/:segment/:lang/revert', async (req, res) => {
    const t = target(req);
    if (!t) return void res.status(404).type('text/plain').send('no such prompt');
    const actor = actorOf(req, mustSession(res));
    const key = rowKey(t.segment, t.lang);
    if (!(await store.revert(t.segment, t.lang))) return render(res, 400, { [key]: '差し替えられた録音はありません (no recording to remove)' });
    await ctx.audit.append({ actorId: actor.id, actor: actor.name, action: 'prompt.revert', entity: 'prompt', entityId: key, ip: actor.ip }, ctx.clock.now());
    ctx.log.info('prompt reverted to synthesis', { prompt: key, by: actor.name });
    res.redirect(303, `${PROMPTS_PATH}?done=reverted`);
  });
}
