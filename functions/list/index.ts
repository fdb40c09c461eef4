/**
 * list: POST /uploads/list {token, maxParts?, partNumberMarker?}
 * Every uploaded part of the token's upload (paging through OSS ListParts), or one page of them.
 * -> {parts: [{partNumber, etag, size, crc64, lastModified}], uploadedBytes, nextPartNumberMarker?}
 */
import { optionalInt, readJson } from '../../shared/http/body';
import { compressJson } from '../../shared/http/compress';
import { handle } from '../../shared/http/fc-adapter';
import { createFunctionApp, requestScope, uploadFromBody, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.use('/uploads/list', compressJson());
    app.post('/uploads/list', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await uploadFromBody(body, scope, deps);
      // Paging on request (a 10,000-part answer is ~1.5 MB of JSON); without it, every part.
      const maxParts = optionalInt(body, 'maxParts', { min: 1, max: 1000 });
      const partNumberMarker = optionalInt(body, 'partNumberMarker', { min: 0, max: 10_000 });
      const page = maxParts === undefined && partNumberMarker === undefined ? undefined : { maxParts: maxParts ?? 1000, partNumberMarker: partNumberMarker ?? 0 };
      return c.json(await scope.service.list(upload, page));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
