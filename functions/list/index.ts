/**
 * list: POST /uploads/list {token, maxParts?, partNumberMarker?} (schema.ts)
 * Every uploaded part of the token's upload (paging through OSS ListParts), or one page of them.
 * -> {parts: [{partNumber, etag, size, crc64, lastModified}], uploadedBytes, nextPartNumberMarker?}
 */
import { ListRequest } from './schema';
import { readJson } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { compressJson } from '../../shared/http/compress';
import { handle } from '../../shared/http/fc-adapter';
import { ownUploadFromToken } from '../../shared/policy/ownership';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { listUploadParts } from '../../shared/upload/list';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.use('/uploads/list', compressJson());
    app.post('/uploads/list', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await ownUploadFromToken(body.token, scope.caller, scope.config, deps.now);
      // Paging on request (a 10,000-part answer is ~1.5 MB of JSON); without it, every part.
      const { maxParts, partNumberMarker } = parseInput(ListRequest, body);
      const page = maxParts == null && partNumberMarker == null ? undefined : { maxParts: maxParts ?? 1000, partNumberMarker: partNumberMarker ?? 0 };
      return c.json(await listUploadParts(scope.service, upload, page));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
