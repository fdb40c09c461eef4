/**
 * companion: the Uppy Companion `/s3/*` routes, so an unmodified Uppy `@uppy/aws-s3` (v6
 * `companionEndpoint`, v4/v5 `endpoint`) uploads to OSS through the same policy, keys, limits and
 * callback as the JSON API. One route per operation; each authenticates the caller first (401),
 * then checks its input against its schema (400, schema.ts) and that the upload and
 * key are the caller's (403) before any OSS call.
 *
 * | route | OSS | 200 JSON |
 * |---|---|---|
 * | GET /s3/params?filename=&type=&metadata[n]=v | none (signs a PostObject policy) | {method: "POST", url, fields, expires} |
 * | POST /s3/multipart {filename, type, metadata} | InitiateMultipartUpload (+ ListMultipartUploads with MAX_ACTIVE_UPLOADS) | {key, uploadId, bucket, expiresAt} |
 * | GET /s3/multipart/:uploadId/batch?key=&partNumbers=1,2 | ListParts (1 part) if SIGN_CHECKS_UPLOAD | {presignedUrls: {"1": url, …}} |
 * | GET /s3/multipart/:uploadId/:partNumber?key= | ListParts (1 part) if SIGN_CHECKS_UPLOAD | {url, expires} |
 * | GET /s3/multipart/:uploadId?key= | ListParts, every page | [{PartNumber, ETag, Size, LastModified}] |
 * | POST /s3/multipart/:uploadId/complete?key= {parts: [{PartNumber, ETag}]} | ListParts, Complete + callback | {location, key, bucket, etag, size, crc64, callbackStatus, callback?, callbackError?, recovered?} |
 * | DELETE /s3/multipart/:uploadId?key= | AbortMultipartUpload | {} |
 *
 * `uploadId` is the facade's signed id (shared/policy/facade-upload.ts), not OSS's: every route
 * verifies it with `?key=` before any OSS call. `expires` is in seconds (URL_EXPIRES_SECONDS, never
 * past the upload's `expiresAt`), as Companion sends it. `GET /s3/sts` is not served (404):
 * Uppy's STS mode signs for AWS hosts only.
 *
 * PostObject and the callback: with CALLBACK_URL set, the form carries the OSS upload callback,
 * and OSS then answers the browser's POST with the callback function's JSON (200), or with 203
 * when the callback failed (the object is stored either way) instead of the 201 PostResponse.
 * That is fine for Uppy: v6 (`S3Client.postObject`) and v5 accept any 2xx and only read the
 * ETag header, never the body; so small files notify the app like multipart ones do.
 *
 * Auth: Uppy v6 Companion mode sends no headers of its own and only same-origin cookies, so
 * serve these routes on the page's origin and authenticate with the AUTH_COOKIE_NAME cookie
 * (a Bearer header works too, e.g. for v5 `headers`). State-changing routes need a JSON body or
 * DELETE, so a cross-origin page cannot drive them without passing CORS.
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
      const form = await service.postForm(caller, object);
      noStore(c);
      return c.json({ method: form.method, url: form.url, fields: form.fields, expires: form.expires });
    });

    // Create: InitiateMultipartUpload under the caller's prefix (active-upload limit, type allow-list).
    app.post('/s3/multipart', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const body = parseInput(CompanionCreateRequest, await readJson(c, { maxBytes: config.http.maxBodyBytes }));
      const object = newObjectOf({ ...body, metadata: companionMetadata(body.metadata) }, config);
      return c.json(await service.initOpen(caller, object));
    });

    // Batch sign (older clients); registered before `/:partNumber`, which would match it too.
    app.get('/s3/multipart/:uploadId/batch', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const { key, partNumbers } = parseInput(BatchQuery, c.req.query());
      const upload = await facadeUploadOf({ ...parseInput(UploadParams, c.req.param()), key }, config, caller, now());
      const signed = await service.signOpen(upload, partNumbers);
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
      const signed = await service.signOpen(upload, [partNumber], { checkUpload: false });
      noStore(c);
      return c.json({ url: signed.parts[0].url, expires: signed.expires });
    });

    // List: every part, paged through ListParts here (Uppy sends one request), as a bare array.
    app.get('/s3/multipart/:uploadId', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now());
      const { parts } = await service.list(upload);
      noStore(c);
      return c.json(parts.map(companionPart));
    });

    // Complete: the client's parts 1..N checked against OSS, Complete with the upload callback.
    app.post('/s3/multipart/:uploadId/complete', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now());
      const { parts } = parseInput(CompanionCompleteRequest, await readJson(c, { maxBytes: config.http.maxBodyBytes }));
      return c.json(await service.completeOpen(upload, parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag }))));
    });

    // Abort: an upload that is already gone counts as aborted, so repeating it is fine. An expired
    // upload of the same caller may still be aborted: that only cleans up the caller's own upload.
    app.delete('/s3/multipart/:uploadId', async (c) => {
      const { config, caller, service } = await requestScope(c, deps);
      const upload = await facadeUploadOf(uploadOf(c), config, caller, now(), { allowExpired: true });
      await service.abort(upload);
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
