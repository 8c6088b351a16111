/**
 * The body of a prompt recording upload: a plain HTML form with enctype="multipart/form-data" (works without
 * script). It runs before the CSRF check, so the form's `_csrf` field is in `req.body` like any other form's;
 * only an administrator's upload is read at all, so nobody else can make the console buffer a large body.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ActiveSession } from '../accounts/session-service.js';

/** A ten-minute music file at 44.1 kHz stereo is about 106 MB; 64 MB takes 6 minutes of that, or any 8-22 kHz mono file. */
export const UPLOAD_LIMIT_BYTES = 64 * 1024 * 1024;

export interface UploadedFile {
  field: string;
  filename: string;
  data: Buffer;
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

const raw = express.raw({ type: 'multipart/form-data', limit: UPLOAD_LIMIT_BYTES });

export function uploadedFile(res: Response): UploadedFile | undefined {
  return res.locals.upload as UploadedFile | undefined;
}

export function promptUploadBody(req: Request, res: Response, next: NextFunction): void {
  const s = res.locals.session as ActiveSession | undefined;
  if (req.method !== 'POST' || !req.is('multipart/form-data') || !s?.user.roles.includes('admin')) return next();
  raw(req, res, (err?: unknown) => {
    if (err) {
      const tooLarge = (err as { type?: string }).type === 'entity.too.large';
      res.status(tooLarge ? 413 : 400).type('text/plain; charset=utf-8');
      res.send(tooLarge ? `ファイルが大きすぎます（${UPLOAD_LIMIT_BYTES / 1024 / 1024} MBまで） (file too large)` : 'アップロードを読み込めませんでした (upload failed)');
      return;
    }
    try {
      const { fields, files } = parseMultipart(req.body as Buffer, req.get('content-type') ?? '');
      req.body = fields;
      res.locals.upload = files[0];
      next();
    } catch (e) {
      if (!(e instanceof MultipartError)) return next(e);
      res.status(400).type('text/plain; charset=utf-8').send(`フォームを読み込めませんでした (${e.message})`);
    }
  });
}

/** RFC 7578 form data: text fields by name, and the file parts in order. */
export function parseMultipart(body: Buffer, contentType: string): { fields: Record<string, string>; files: UploadedFile[] } {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new MultipartError('no boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MultipartError('no parts');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), at);
    if (headerEnd < 0 || next < 0 || headerEnd > next) throw new MultipartError('malformed part');
    const headers = body.subarray(at, headerEnd).toString('utf8');
    const content = body.subarray(headerEnd + 4, next);
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new MultipartError('part without a name');
    if (filename !== undefined) files.push({ field: name, filename, data: Buffer.from(content) });
    else fields[name] = content.toString('utf8');
    at = next + 2;
  }
  return { fields, files };
}
