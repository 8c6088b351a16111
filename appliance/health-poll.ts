/** Waiting until web processes answer `GET /healthz` with 200, so the URLs are shown only once they work. */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 250;

async function healthy(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(new URL('healthz', url), { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Resolves true when every URL answered 200, false if `signal` aborted first. */
export async function waitUntilHealthy(urls: string[], signal: AbortSignal): Promise<boolean> {
  const pending = new Set(urls);
  while (pending.size) {
    for (const url of pending) if (await healthy(url, signal)) pending.delete(url);
    if (!pending.size) break;
    try {
      await sleep(POLL_MS, undefined, { signal });
    } catch {
      return false;
    }
  }
  return !signal.aborted;
}
