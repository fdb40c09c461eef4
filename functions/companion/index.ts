/**
 * companion: the Uppy Companion `/s3/*` routes, so an unmodified Uppy `@uppy/aws-s3` uploads
 * through the same policy, keys, limits and callback as the JSON API. Each route authenticates
 * (401), then validates (400, schema.ts), then checks ownership (403) before any OSS call. The
 * routes with their OSS calls, the PostObject callback and cookie auth: docs/companion.md.
 */
import type { Context } from 'hono';
import {
  BatchQuery,
  CompanionCompleteRequest,
  CompanionCreateRequest,
  KeyQuery,
  ParamsQuery,
  PartParams,
  UploadParams,
} from './schema';
import { readJson } from '../../shared/http/body';
import { handle } from '../../shared/http/fc-adapter';
import { parseInput } from '../../shared/http/validate';
import { createFunctionApp, requestScope, type Deps } from '../../shared/runtime';
import { abortUpload } from '../../shared/upload/abort';
import { completeOpenUpload } from '../../shared/upload/complete';
import { initOpenUpload } from '../../shared/upload/init';
import { listUploadParts } from '../../shared/upload/list';
import { postForm } from '../../shared/upload/post-form';
import { signOpenParts } from '../../shared/upload/sign';
import { companionMetadata, companionPart, facadeUploadOf, metadataQuery, newObjectOf } from '../../shared/upload/companion';
import type { FcEnv } from '../../shared/http/fc-adapter';
import { compressJson } from '../../shared/http/compress';

export function createApp(deps: Deps = {}) {
  const now = () => (deps.now?.() ?? new Date()).getTime();
  return createFunctionApp(deps, (app) => {
    // Answers that grow with the part count (list, batch sign) go compressed to callers that accept it.
    app.use('/s3/*', compressJson());
    // Small files: a PostObject policy with a concrete key (Uppy v6 refuses `${filename}`).
    app.get('/s3/params', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const query = parseInput(ParamsQuery, { filename: c.req.query('filename'), type: c.req.query('type'), metadata: metadataQuery(new URL(c.req.url)) });
      const object = newObjectOf({ ...query, metadata: companionMetadata(query.metadata) }, config);
      const form = await postForm(service, caller, object);
      noStore(c);
      return c.json({ method: form.method, url: form.url, fields: form.fields, expires: form.expires });
    });

    // Create: InitiateMultipartUpload under the caller's prefix (active-upload limit, type allow-list).
    app.post('/s3/multipart', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const body = parseInput(CompanionCreateRequest, await readJson(c, { maxBytes: config.http.maxBodyBytes }));
      const object = newObjectOf({ ...body, metadata: companionMetadata(body.metadata) }, config);
      return c.json(await initOpenUpload(service, caller, object));
    });

    // Batch sign (older clients); registered before `/:partNumber`, which would match it too.
    app.get('/s3/multipart/:uploadId/batch', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const { key, partNumbers } = parseInput(BatchQuery, c.req.query());
      const upload = await facadeUploadOf({ ...parseInput(UploadParams, c.req.param()), key }, config, caller, now());
      const signed = await signOpenParts(service, upload, partNumbers);
      noStore(c);
      return c.json({ presignedUrls: Object.fromEntries(signed.parts.map((p) => [String(p.partNumber), p.url])) });
    });

    // Sign one part: a presigned UploadPart PUT with no Content-Type or Content-MD5 signed.
    // No existence check here (whatever SIGN_CHECKS_UPLOAD says): Uppy v6 signs every part on
    // its own, one after another, so a ListParts per part would double the OSS round trips.
    // The signed id binds the key and OSS upload id, so a dead upload only yields a URL that OSS
    // answers 404 NoSuchUpload.
    app.get('/s3/multipart/:uploadId/:partNumber', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const { uploadId, partNumber } = parseInput(PartParams, c.req.param());
      const upload = await facadeUploadOf({ uploadId, ...parseInput(KeyQuery, c.req.query()) }, config, caller, now());
      const signed = await signOpenParts(service, upload, [partNumber], { checkUpload: false });
      noStore(c);
      return c.json({ url: signed.parts[0].url, expires: signed.expires });
    });

    // List: every part, paged through ListParts here (Uppy sends one request), as a bare array.
    app.get('/s3/multipart/:uploadId', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now());
      const { parts } = await listUploadParts(service, upload);
      noStore(c);
      return c.json(parts.map(companionPart));
    });

    // Complete: the client's parts 1..N checked against OSS, Complete with the upload callback.
    app.post('/s3/multipart/:uploadId/complete', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now());
      const { parts } = parseInput(CompanionCompleteRequest, await readJson(c, { maxBytes: config.http.maxBodyBytes }));
      return c.json(await completeOpenUpload(service, upload, parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag }))));
    });

    // Abort: an upload that is already gone counts as aborted, so repeating it is fine. An expired
    // upload of the same caller may still be aborted: that only cleans up the caller's own upload.
    app.delete('/s3/multipart/:uploadId', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now(), { allowExpired: true });
      await abortUpload(service, upload);
      return c.json({});
    });
  });
}

/** `:uploadId` and `?key=`, the two halves of a Companion upload's name. */
function uploadOf(c: Context<FcEnv>): { uploadId: string; key: string } {
  return { ...parseInput(UploadParams, c.req.param()), ...parseInput(KeyQuery, c.req.query()) };
}

/** Signed URLs and policies are per caller and short-lived: no cache may keep them. */
function noStore(c: Context<FcEnv>): void {
  c.header('Cache-Control', 'no-store');
}

export const app = createApp();
export const handler = handle(app);
