/**
 * sign: POST /uploads/sign {token, partNumbers: [..], contentMd5?: {"n": base64}}
 * Presigned UploadPart URLs for up to MAX_PARTS_PER_SIGN parts of the token's upload. No OSS call
 * unless SIGN_CHECKS_UPLOAD (then one ListParts, so a dead upload answers 404).
 * -> {parts: [{partNumber, url, method, headers, size}], expiresAt}
 */
import { readJson, requireArray, checkInt, optionalObject, checkString } from '../../shared/http/body';
import { compressJson } from '../../shared/http/compress';
import { handle } from '../../shared/http/fc-adapter';
import { createFunctionApp, requestScope, uploadFromBody, type Deps } from '../../shared/runtime';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.use('/uploads/sign', compressJson());
    app.post('/uploads/sign', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await uploadFromBody(body, scope, deps);
      // The array cap here only bounds parsing work; the service enforces MAX_PARTS_PER_SIGN.
      const partNumbers = requireArray(body, 'partNumbers', { maxLength: 10_000 }).map((n) => checkInt(n, 'partNumbers'));
      const md5 = optionalObject(body, 'contentMd5');
      const contentMd5: Record<string, string> = {};
      if (md5) for (const [n, v] of Object.entries(md5)) contentMd5[n] = checkString(v, `contentMd5.${n}`);
      return c.json(await scope.service.sign(upload, partNumbers, contentMd5));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
