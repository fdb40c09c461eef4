/**
 * complete: POST /uploads/complete {token, parts?: [{partNumber, etag}]}
 * Checks the parts OSS holds against the plan, CompleteMultipartUpload with the OSS upload
 * callback (CALLBACK_URL), checks the object's CRC-64 against the parts'.
 * -> {bucket, key, etag, size, crc64, location, callbackStatus, callback?, callbackError?, recovered?}
 */
import { readJson, optionalArray, isPlainObject, checkInt, checkString, invalid } from '../../shared/http/body';
import { handle } from '../../shared/http/fc-adapter';
import { createFunctionApp, requestScope, uploadFromBody, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads/complete', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await uploadFromBody(body, scope, deps);
      const rawParts = optionalArray(body, 'parts', { maxLength: 10_000 });
      const parts = rawParts?.map((p, i) => {
        if (!isPlainObject(p)) throw invalid(`parts[${i}]`, 'must be an object {partNumber, etag}');
        return { partNumber: checkInt(p.partNumber, `parts[${i}].partNumber`), etag: checkString(p.etag, `parts[${i}].etag`, { maxLength: 128 }) };
      });
      return c.json(await scope.service.complete(upload, parts));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
