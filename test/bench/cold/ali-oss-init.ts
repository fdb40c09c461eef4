/**
 * Cold-start comparison: our init's OSS work done with the official ali-oss SDK instead of our
 * client. Hono + the same FC adapter; POST /uploads runs InitiateMultipartUpload and presigns a V4
 * URL for part 1 (ali-oss `signatureUrlV4`). Configuration from the same environment variables as
 * our functions. No caller authentication and no upload token: this only isolates what loading
 * and first use of ali-oss costs, so it is, if anything, flattered.
 *
 * Against the emulator ali-oss needs `sldEnable` and a `localhost` endpoint for path-style
 * (test/integration/emulator-conformance.test.ts).
 */
import { Hono } from 'hono';
// @ts-expect-error ali-oss ships no types
import OSS from 'ali-oss';
import { handle } from '../../../shared/http/fc-adapter';

const env = process.env;
let client: any;
function oss() {
  client ??= new OSS({
    region: `oss-${env.OSS_REGION}`,
    bucket: env.OSS_BUCKET,
    endpoint: env.OSS_ENDPOINT?.replace('127.0.0.1', 'localhost'),
    sldEnable: env.OSS_FORCE_PATH_STYLE === 'true',
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID,
    accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    authorizationV4: true,
  });
  return client;
}

const app = new Hono();
app.post('/uploads', async (c) => {
  const body = (await c.req.json()) as { filename: string; contentType?: string };
  const key = `uploads/ali/${Date.now()}-${Math.random().toString(36).slice(2)}/${body.filename}`;
  const { uploadId } = await oss().initMultipartUpload(key, { mime: body.contentType });
  const url: string = await oss().signatureUrlV4('PUT', 3600, { queries: { partNumber: 1, uploadId } }, key);
  return c.json({ uploadId, key, url }, 201);
});
app.options('*', (c) => c.body(null, 204));

export const handler = handle(app);
