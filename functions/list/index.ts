/**
 * list: POST /uploads/list {token}
 * Every uploaded part of the token's upload, paging through OSS ListParts.
 * -> {parts: [{partNumber, etag, size, crc64, lastModified}], uploadedBytes}
 */
import { readJson } from '../../shared/http/body';
import { handle } from '../../shared/http/fc-adapter';
import { createFunctionApp, requestScope, uploadFromBody, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads/list', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await uploadFromBody(body, scope, deps);
      return c.json(await scope.service.list(upload));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
