/**
 * abort: POST /uploads/abort {token} (schema.ts)
 * OSS AbortMultipartUpload; an upload already gone counts as aborted, so it is safe to repeat.
 * -> {aborted: true, alreadyGone}
 */
import { TokenRequest } from './schema';
import { readJson } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { handle } from '../../shared/http/fc-adapter';
import { ownUploadFromToken } from '../../shared/policy/ownership';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { abortUpload } from '../../shared/upload/abort';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads/abort', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await ownUploadFromToken(body.token, scope.caller, scope.config, deps.now);
      parseInput(TokenRequest, body);
      return c.json(await abortUpload(scope.service, upload));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
