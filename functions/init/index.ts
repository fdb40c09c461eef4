/**
 * init: POST /uploads {filename, size, contentType?, partSize?, metadata?}
 * Policy (size, type, part plan, active uploads), key choice, then OSS InitiateMultipartUpload.
 * -> 201 {uploadId, bucket, key, partSize, partCount, token, expiresAt}
 */
import { readJson, optionalInt, optionalString } from '../../shared/http/body';
import { handle } from '../../shared/http/fc-adapter';
import { validateFilename } from '../../shared/policy/keys';
import { assertContentTypeAllowed, normalizeContentType } from '../../shared/policy/content-type';
import { validateMetadata } from '../../shared/policy/metadata';
import { assertSizeAllowed } from '../../shared/policy/size';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.post('/uploads', async (c) => {
      const scope = await requestScope(c, deps);
      const { config } = scope;
      const body = await readJson(c, { maxBytes: config.http.maxBodyBytes });
      const filename = validateFilename(body.filename);
      const size = assertSizeAllowed(body.size, config.policy.maxFileSize);
      const contentType = normalizeContentType(optionalString(body, 'contentType'));
      assertContentTypeAllowed(contentType, config.policy.allowedContentTypes);
      const partSize = optionalInt(body, 'partSize');
      const metadata = body.metadata === undefined ? undefined : validateMetadata(body.metadata);
      const result = await scope.service.init(scope.caller, { filename, size, contentType, partSize, metadata });
      return c.json(result, 201);
    });
  });
}

export const app = createApp();
export const handler = handle(app);
