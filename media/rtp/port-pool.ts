/**
 * Even RTP ports (RFC 3550 §11: RTP on an even port, RTCP on the odd one above) from the range configured
 * for our endpoints (media.rtp.portMin..portMax). A port is taken by binding it: one another process holds
 * is skipped. Allocation goes round the range so a port just released is not reused at once (late
 * packets of the old call would land in the new one).
 */
import { createSocket, type Socket } from 'node:dgram';

export class PortPoolError extends Error {
  override name = 'PortPoolError';
}

export interface BoundPort {
  port: number;
  socket: Socket;
}

export class PortPool {
  readonly portMin: number;
  readonly portMax: number;
  private readonly inUse = new Set<number>();
  private cursor: number;

  constructor(range: { portMin: number; portMax: number }) {
    // The first even port at or above portMin whose odd RTCP partner still fits below portMax.
    this.portMin = range.portMin + (range.portMin % 2);
    this.portMax = range.portMax;
    if (!Number.isInteger(range.portMin) || !Number.isInteger(range.portMax) || range.portMin < 1024 || range.portMax > 65535 || this.portMin + 1 > this.portMax) {
      throw new PortPoolError(`RTP port range ${range.portMin}-${range.portMax} holds no even/odd pair of ports 1024-65535`);
    }
    this.cursor = this.portMin;
  }

  /** Even ports of the range. */
  get size(): number {
    return Math.floor((this.portMax - 1 - this.portMin) / 2) + 1;
  }

  get used(): number {
    return this.inUse.size;
  }

  /** Binds the next free even port on `address`; PortPoolError when every port of the range is taken. */
  async bind(address: string): Promise<BoundPort> {
    for (let tried = 0; tried < this.size; tried++) {
      const port = this.cursor;
      this.cursor = port + 2 + 1 > this.portMax ? this.portMin : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      try {
        return { port, socket: await bindUdp(address, port) };
      } catch (err) {
        this.inUse.delete(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      }
    }
    throw new PortPoolError(`no free RTP port in ${this.portMin}-${this.portMax} on ${address} (${this.inUse.size} in use by us)`);
  }

  release(port: number): void {
    this.inUse.delete(port);
  }
}

function bindUdp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    const fail = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    socket.bind(port, address, () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
