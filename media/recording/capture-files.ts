/**
 * Where rtpengine (10.5, `recording-method = pcap`) leaves a call's capture in its recording directory:
 *
 *   pcaps/<id>-<tag>.pcap               written while the call is recorded (libpcap buffers 4 KiB at a
 *                                       time, so the file lags and a crash cuts its last record)
 *   tmp/rtpengine-meta-<id>-<tag>.tmp   metadata while recording
 *   metadata/rtpengine-meta-<id>-<tag>.txt
 *                                       the same, moved here after the pcap was flushed and closed: the
 *                                       capture is complete once this file exists
 *
 * <id> is the SIP Call-ID escaped by glib's g_uri_escape_string (every byte but A-Z a-z 0-9 - . _ ~ as
 * %XX, upper case), <tag> 16 random hex digits, one per call. rtpengine closes the capture when the call
 * is deleted, after the delete's `delete-delay` (30 s by default: pass 0) or on `stop recording`.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Capture {
  /** The SIP Call-ID the capture belongs to. */
  callId: string;
  tag: string;
  pcapPath: string;
  /** The metadata file, in metadata/ when closed, in tmp/ while rtpengine still writes. */
  metadataPath: string | undefined;
  /** rtpengine flushed and closed the pcap (its metadata reached metadata/). */
  closed: boolean;
  /** Last change of the pcap, to tell a capture still written from one left by a crash. */
  modifiedAt: Date;
}

const PCAP_NAME = /^(.+)-([0-9a-f]{16})\.pcap$/;

export function escapeCallId(callId: string): string {
  return encodeURIComponent(callId).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function unescapeCallId(escaped: string): string | undefined {
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function describe(dir: string, name: string): Promise<Capture | undefined> {
  const m = PCAP_NAME.exec(name);
  const callId = m ? unescapeCallId(m[1]!) : undefined;
  if (!m || callId === undefined) return undefined;
  const prefix = `rtpengine-meta-${m[1]}-${m[2]}`;
  const pcapPath = join(dir, 'pcaps', name);
  const info = await stat(pcapPath).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const done = join(dir, 'metadata', `${prefix}.txt`);
  const open = join(dir, 'tmp', `${prefix}.tmp`);
  const closed = await exists(done);
  const metadataPath = closed ? done : (await exists(open)) ? open : undefined;
  return { callId, tag: m[2]!, pcapPath, metadataPath, closed, modifiedAt: info.mtime };
}

/** Every capture in the recording directory, oldest first. */
export async function listCaptures(recordingDir: string): Promise<Capture[]> {
  const names = await readdir(join(recordingDir, 'pcaps')).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const all = await Promise.all(names.map((n) => describe(recordingDir, n)));
  return all.filter((c): c is Capture => c !== undefined).sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime());
}

/** The capture of one call (the newest, should a Call-ID have come back), or undefined. */
export async function findCapture(recordingDir: string, callId: string): Promise<Capture | undefined> {
  const escaped = escapeCallId(callId);
  const names = await readdir(join(recordingDir, 'pcaps')).catch(() => [] as string[]);
  const mine = await Promise.all(names.filter((n) => PCAP_NAME.exec(n)?.[1] === escaped).map((n) => describe(recordingDir, n)));
  return mine.filter((c): c is Capture => c !== undefined).sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime())[0];
}

/**
 * The call's capture once rtpengine has closed it, polling until `timeoutMs`; after that the unclosed one.
 * No capture at all is answered at once: rtpengine creates the pcap when recording starts.
 */
export async function waitForCapture(recordingDir: string, callId: string, timeoutMs: number, pollMs = 100): Promise<Capture | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = await findCapture(recordingDir, callId);
    if (!c || c.closed || Date.now() >= until) return c;
    await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
  }
}

export async function removeCapture(c: Capture): Promise<void> {
  await rm(c.pcapPath, { force: true });
  if (c.metadataPath) await rm(c.metadataPath, { force: true });
}

/**
 * rtpengine's port towards the caller, from the metadata, for captures nobody else can explain (a crash):
 * the metadata holds each SDP rtpengine sent out, and the one of the first `answer` goes back to the
 * offerer, the caller of an inbound call. Undefined when recording started after the answer (no SDP).
 */
export async function callerPortFromMetadata(c: Capture): Promise<number | undefined> {
  if (!c.metadataPath) return undefined;
  const text = await readFile(c.metadataPath, 'utf8').catch(() => '');
  const answer = text.split(/\nSDP mode: /).find((block) => block.startsWith('answer\n'));
  const m = answer && /^m=audio (\d+) /m.exec(answer);
  return m ? Number(m[1]) : undefined;
}
