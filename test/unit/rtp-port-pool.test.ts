import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import t from 'tap';
import { PortPool, PortPoolError } from '../../media/rtp/port-pool.js';
import { freeUdpPort } from '../helpers/sipp.js';

async function evenRange(count: number): Promise<number> {
  const first = await freeUdpPort(count + 1);
  return first + (first % 2);
}

t.test('even ports, round the range, skipping a port another socket holds, released on close', async (t) => {
  const min = await evenRange(8);
  const squatter = createSocket('udp4');
  squatter.bind(min + 2, '127.0.0.1');
  await once(squatter, 'listening');
  t.teardown(() => squatter.close());

  const pool = new PortPool({ portMin: min, portMax: min + 7 });
  t.equal(pool.size, 4, 'four even ports, each with its odd partner');
  const a = await pool.bind('127.0.0.1');
  const b = await pool.bind('127.0.0.1');
  t.equal(a.port, min);
  t.equal(b.port, min + 4, 'min+2 is bound elsewhere: skipped');
  const c = await pool.bind('127.0.0.1');
  t.equal(c.port, min + 6);
  await t.rejects(pool.bind('127.0.0.1'), { name: 'PortPoolError', message: /no free RTP port/ }, 'exhausted');
  t.equal(pool.used, 3);

  a.socket.close();
  pool.release(a.port);
  const d = await pool.bind('127.0.0.1');
  t.equal(d.port, min, 'a released port is handed out again');
  for (const s of [b, c, d]) s.socket.close();
});

t.test('a range without an even/odd pair is refused', async (t) => {
  t.throws(() => new PortPool({ portMin: 40001, portMax: 40002 }), PortPoolError);
  t.throws(() => new PortPool({ portMin: 80, portMax: 100 }), /1024-65535/);
  t.equal(new PortPool({ portMin: 40001, portMax: 40004 }).size, 1, 'only 40002/40003 fit');
});
