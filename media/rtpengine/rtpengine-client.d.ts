/** The part of npm `rtpengine-client` 0.4.12 (untyped CommonJS) that ng-client.ts uses. */
declare module 'rtpengine-client' {
  import type { EventEmitter } from 'node:events';

  export type NgValue = string | number | NgValue[] | { [key: string]: NgValue | undefined };
  export type NgMessage = { [key: string]: NgValue | undefined };

  export interface ClientOptions {
    localAddress?: string;
    localPort?: number;
    /** ms; a request without an answer by then fails with RtpEngineError('rtpengine timeout ...'). */
    timeout?: number;
    rejectOnError?: boolean;
  }

  export class Client extends EventEmitter {
    constructor(opts: ClientOptions);
    ping(port: number, host: string, opts?: NgMessage): Promise<NgMessage>;
    offer(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    answer(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    delete(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    query(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    list(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    statistics(port: number, host: string, opts?: NgMessage): Promise<NgMessage>;
    startRecording(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    stopRecording(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    blockMedia(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    unblockMedia(port: number, host: string, opts: NgMessage): Promise<NgMessage>;
    close(): void;
  }

  export class RtpEngineError extends Error {}
}
