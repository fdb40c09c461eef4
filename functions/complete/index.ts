/**
 * complete: POST /uploads/complete {token, parts?: [{partNumber, etag}], crc64?: "<decimal>"}
 * Checks the parts OSS holds against the plan (and against the client's CRC-64 of its file),
 * CompleteMultipartUpload with the OSS upload callback (CALLBACK_URL), checks the object's CRC-64
 * against the parts' and the client's.
 * -> {bucket, key, etag, size, crc64, location, callbackStatus, callback?, callbackError?, recovered?}
 */
import { readJson, optionalArray, optionalString, isPlainObject, checkInt, checkString, invalid } from '../../shared/http/body';
import { parseCrc64 } from '../../shared/oss/crc64';
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
      // A string: a 64-bit number does not survive JSON parsers (doubles).
      if (typeof body.crc64 === 'number') throw invalid('crc64', 'must be a decimal string: a 64-bit number loses precision in JSON');
      const rawCrc = optionalString(body, 'crc64');
      const crc64 = rawCrc === undefined ? undefined : parseCrc64(rawCrc);
      if (rawCrc !== undefined && crc64 === undefined) throw invalid('crc64', 'must be the CRC-64/XZ of the whole file as an unsigned decimal string (1 to 20 digits, at most 2^64-1)');
      return c.json(await scope.service.complete(upload, parts, crc64));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
