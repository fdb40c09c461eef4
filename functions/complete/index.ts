/**
 * complete: POST /uploads/complete {token, parts?: [{partNumber, etag}], crc64?: "<decimal>"} (schema.ts)
 * Checks the parts OSS holds against the plan (and against the client's CRC-64 of its file),
 * CompleteMultipartUpload with the OSS upload callback (CALLBACK_URL), checks the object's CRC-64
 * against the parts' and the client's.
 * -> {bucket, key, etag, size, crc64, location, callbackStatus, callback?, callbackError?, recovered?}
 */
import { CompleteRequest } from './schema';
import { readJson } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { handle } from '../../shared/http/fc-adapter';
import { ownUploadFromToken } from '../../shared/policy/ownership';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { completeUpload } from '../../shared/upload/complete';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads/complete', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await ownUploadFromToken(body.token, scope.caller, scope.config, deps.now);
      const { parts, crc64 } = parseInput(CompleteRequest, body);
      return c.json(await completeUpload(scope.service, upload, parts ?? undefined, crc64 ?? undefined));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
