/**
 * SIP load through a proxy or B2BUA, for the benchmark scripts: a sipp uas behind it, a sipp uac in front
 * of it. The scenarios are test/sipp/uac-proxied.xml and uas-proxied.xml (sipp's built-in uac and uas with
 * the route set handled): the built-in ones fail through a record-routing proxy, whose ACK and BYE they send
 * without Route headers.
 */
import { runSipp, startSipp } from '../helpers/sipp.js';

export interface LoadTarget {
  /** host:port of the proxy or B2BUA under test, which relays to 127.0.0.1:uasPort. */
  proxy: string;
  uasPort: number;
  uacPort: number;
}

export interface SustainedResult {
  rate: number;
  durationS: number;
  successful: number;
  failed: number;
  /** Retransmissions by both sipp ends: a sign that the proxy answers late even when no call fails. */
  retransmissions: number;
  /** From the first INVITE to the last call's end. */
  elapsedS: number;
  /** The start of the caller's error log, to tell why calls failed. */
  errors: string;
}

export interface FailureSearch {
  /** The highest rate whose step had every call succeed (0 if none did). */
  lastClean: number;
  /** The first rate with a failed or missing call, null when none failed up to maxRate. */
  firstFailing: number | null;
  steps: SustainedResult[];
}

/** rate calls/s for durationS (rate*durationS calls in all) through the proxy; each call is answered and hung up at once. */
export async function sustained(opts: LoadTarget & { rate: number; durationS: number }): Promise<SustainedResult> {
  const calls = Math.round(opts.rate * opts.durationS);
  const uas = await startSipp({ scenario: 'uas-proxied', localPort: opts.uasPort, timeoutMs: opts.durationS * 1000 + 300_000 });
  try {
    const started = performance.now();
    const uac = await runSipp({
      scenario: 'uac-proxied',
      target: opts.proxy,
      localPort: opts.uacPort,
      rate: opts.rate,
      calls,
      // Calls not done within a minute after the last one was placed count as failed.
      timeoutMs: opts.durationS * 1000 + 60_000,
    });
    const elapsedS = (performance.now() - started) / 1000;
    const far = await uas.stop();
    return {
      rate: opts.rate,
      durationS: opts.durationS,
      successful: uac.successful,
      // Calls the uac never completed (it ended on its timeout) are failures too.
      failed: Math.max(uac.failed, calls - uac.successful),
      retransmissions: uac.retransmissions + far.retransmissions,
      elapsedS,
      errors: uac.errors.slice(0, 2000),
    };
  } finally {
    await uas.stop(0);
  }
}

/** Raises the rate by `step` from startRate, stepDurationS per step, until calls fail or maxRate is passed. */
export async function findFailureRate(
  opts: LoadTarget & { startRate: number; step: number; stepDurationS: number; maxRate: number },
): Promise<FailureSearch> {
  const steps: SustainedResult[] = [];
  let lastClean = 0;
  for (let rate = opts.startRate; rate <= opts.maxRate; rate += opts.step) {
    const result = await sustained({ ...opts, rate, durationS: opts.stepDurationS });
    steps.push(result);
    if (result.failed > 0) return { lastClean, firstFailing: rate, steps };
    lastClean = rate;
  }
  return { lastClean, firstFailing: null, steps };
}
