/**
 * sign: POST /uploads/sign {token, partNumbers: [..], contentMd5?: {"n": base64}} (schema.ts)
 * Presigned UploadPart URLs for up to MAX_PARTS_PER_SIGN parts of the token's upload. No OSS call
 * unless SIGN_CHECKS_UPLOAD (then one ListParts, so a dead upload answers 404).
 * -> {parts: [{partNumber, url, method, headers, size}], expiresAt}
 */
import { SignRequest } from './schema';
import { readJson } from '../../shared/http/body';
import { parseInput } from '../../shared/http/validate';
import { compressJson } from '../../shared/http/compress';
import { handle } from '../../shared/http/fc-adapter';
import { ownUploadFromToken } from '../../shared/policy/ownership';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { signParts } from '../../shared/upload/sign';

export function createApp(deps: Deps = {}) {
  return createFunctionApp(deps, (app) => {
    app.use('/uploads/sign', compressJson());
    app.post('/uploads/sign', async (c) => {
      const scope = await requestScope(c, deps);
      const body = await readJson(c, { maxBytes: scope.config.http.maxBodyBytes });
      const upload = await ownUploadFromToken(body.token, scope.caller, scope.config, deps.now);
      const { partNumbers, contentMd5 } = parseInput(SignRequest, body);
      return c.json(await signParts(scope.service, upload, partNumbers, contentMd5 ?? {}));
    });
  });
}

export const app = createApp();
export const handler = handle(app);
