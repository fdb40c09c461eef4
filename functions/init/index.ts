/**
 * init: POST /uploads {filename, size, contentType?, partSize?, metadata?}
 * Policy (shared/policy: the new object, part plan, active uploads), key choice, then OSS
 * InitiateMultipartUpload.
 * -> 201 {uploadId, bucket, key, partSize, partCount, token, expiresAt}
 */
import { readJson, optionalInt, optionalString } from '../../shared/http/body';
import { handle } from '../../shared/http/fc-adapter';
import { checkNewSizedObject } from '../../shared/policy/new-object';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads', async (c) => {
      const scope = await requestScope(c, deps);
      const { config } = scope;
      const body = await readJson(c, { maxBytes: config.http.maxBodyBytes });
      const object = checkNewSizedObject(
        { filename: body.filename, size: body.size, contentType: optionalString(body, 'contentType'), metadata: body.metadata },
        config.policy,
      );
      const result = await scope.service.init(scope.caller, { ...object, partSize: optionalInt(body, 'partSize') });
      return c.json(result, 201);
    });
  });
}

export const app = createApp();
export const handler = handle(app);
