/**
 * init: POST /uploads {filename, size, contentType?, partSize?, metadata?, signParts?} (schema.ts)
 * Policy (shared/policy: the new object, part plan, active uploads), key choice, then OSS
 * InitiateMultipartUpload; with signParts, the first parts' URLs as sign would give them.
 * -> 201 {uploadId, bucket, key, partSize, partCount, token, expiresAt, signed?}
 */
import { InitRequest } from './schema';
import { readJson } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { handle } from '../../shared/http/fc-adapter';
import { checkNewSizedObject } from '../../shared/policy/new-object';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { initUpload } from '../../shared/upload/init';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads', async (c) => {
      const scope = await requestScope(c, deps);
      const { config } = scope;
      const input = parseInput(InitRequest, await readJson(c, { maxBytes: config.http.maxBodyBytes }));
      const object = checkNewSizedObject(input, config.policy);
      const result = await initUpload(scope.service, scope.caller, {
        ...object,
        partSize: input.partSize ?? undefined,
        signParts: input.signParts ?? undefined,
      });
      return c.json(result, 201);
    });
  });
}

export const app = createApp();
export const handler = handle(app);
