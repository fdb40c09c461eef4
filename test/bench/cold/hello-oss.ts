/**
 * Cold-start floor for a function that calls OSS: the Hono hello-world behind the same FC adapter,
 * plus the least any signed OSS call must do on its first run: one HMAC-SHA256 (node:crypto) and
 * one request over node:http (the transport our client uses) to OSS_ENDPOINT, its response read
 * to the end. No config, auth, signing logic, XML or retries: what our functions take on top of
 * this is the cost of our own code (test/bench/cold-start.ts reports both ratios).
 *
 * The request is unsigned, so OSS (the emulator) answers 403; the round trip is the same.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { Hono } from 'hono';
import { handle } from '../../../shared/http/fc-adapter';

const app = new Hono();
app.all('*', async (c) => {
  const mac = createHmac('sha256', 'key').update(c.req.path).digest('hex');
  const url = `${process.env.OSS_ENDPOINT}/${process.env.OSS_BUCKET}?uploads`;
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: mac, 'content-length': '0' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return c.text(`OSS answered ${status}`);
});

export const handler = handle(app);
