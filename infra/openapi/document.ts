/**
 * The OpenAPI 3.1 document of the HTTP API, generated from what the code uses: the route table
 * (functions/routes.ts), the request schemas the handlers parse with (functions/<name>/schema.ts),
 * the answer schemas (shared/api/responses.ts, events.ts), the error codes (shared/http/errors.ts)
 * and the words of operations.ts. Build time only: `npx tsx infra/write-openapi.ts` writes the
 * committed openapi.json, the local stack serves it at /openapi.json, and no function bundle
 * carries any of this (test/unit/bundles.test.ts).
 *
 * Schemas become components named as exported; error responses are grouped by status, each listing
 * in its `code` enum exactly the codes that operation can answer with that status.
 */
import { toJsonSchemaDefs } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import { ROUTES, routeFor } from '../../functions/routes.ts';
import { ERROR_CODES, type ErrorCode } from '../../shared/http/errors.ts';
import { InitRequest } from '../../functions/init/schema.ts';
import { SignRequest } from '../../functions/sign/schema.ts';
import { ListRequest } from '../../functions/list/schema.ts';
import { CompleteRequest } from '../../functions/complete/schema.ts';
import { TokenRequest } from '../../functions/abort/schema.ts';
import { CallbackBody } from '../../functions/callback/schema.ts';
import { CompanionCompleteRequest, CompanionCreateRequest } from '../../functions/companion/schema.ts';
import * as responses from '../../shared/api/responses.ts';
import { ContentCheck, UploadEvent, UploadEventData } from '../../shared/api/events.ts';
import { ErrorCodeSchema, ErrorSchema } from './errors.ts';
import { OPERATIONS, type Operation } from './operations.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const isSchema = (x: unknown): x is GenericSchema => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'schema';

/** The named schemas (components/schemas), in the document's order. */
const COMPONENTS: Record<string, GenericSchema> = {
  ErrorCode: ErrorCodeSchema,
  Error: ErrorSchema,
  InitRequest,
  SignRequest,
  TokenRequest,
  ListRequest,
  CompleteRequest,
  CallbackBody,
  CompanionCreateRequest,
  CompanionCompleteRequest,
  ...Object.fromEntries(Object.entries(responses).filter(([, s]) => isSchema(s))),
  ContentCheck,
  UploadEventData,
  UploadEvent,
};

const REF = '#/components/schemas/';
const ref = (name: string): Schema => ({ $ref: `${REF}${name}` });

/**
 * JSON Schema (2020-12, OpenAPI 3.1's dialect) of `schemas`, with `$ref`s to the components. What
 * a request looks like as sent (`typeMode: input`); `check` actions (rules JSON Schema cannot say,
 * e.g. "at most 2^64-1") are left to the descriptions.
 */
function convert(schemas: Record<string, GenericSchema>): Record<string, Schema> {
  return toJsonSchemaDefs(schemas, {
    target: 'draft-2020-12',
    typeMode: 'input',
    ignoreActions: ['check'],
    overrideRef: ({ referenceId }) => `${REF}${referenceId}`,
  }) as unknown as Record<string, Schema>;
}

const components = convert(COMPONENTS);

/** A component by reference, or an inline schema (referring to components). */
function schemaOf(schema: GenericSchema): Schema {
  const name = Object.keys(COMPONENTS).find((n) => COMPONENTS[n] === schema);
  if (name) return ref(name);
  return convert({ ...COMPONENTS, __inline: schema }).__inline;
}

const json = (schema: Schema) => ({ 'application/json': { schema } });
const REQUEST_ID_HEADER = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };
const NO_STORE = { 'cache-control': { description: '`no-store`: signed URLs and policies are per caller and short-lived.', schema: { type: 'string' } } };

/** One parameter per member of an object schema (path or query). */
function parameters(schema: GenericSchema | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = convert({ ...COMPONENTS, __params: schema }).__params as { properties: Record<string, Schema>; required: string[] };
  return Object.entries(s.properties).map(([name, { description, ...rest }]) => {
    const p: Schema = { name, in: where, required: where === 'path' || s.required.includes(name), schema: rest };
    if (rest.type === 'object') Object.assign(p, { style: 'deepObject', explode: true });
    if (description !== undefined) p.description = description;
    return p;
  });
}

/** The error responses of an operation: one per status, each with the exact codes it can carry. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: `${list.join(', ')} (see ErrorCode).`,
      headers: REQUEST_ID_HEADER,
      content: json({ allOf: [ref('Error'), { properties: { error: { properties: { code: { enum: list } } } } }] }),
    };
  }
  return out;
}

/** The path an operation documents: its own, or its function's route; checked against the route table. */
function pathOf(op: Operation): string {
  const path = op.path ?? ROUTES.find((r) => r.fn === op.fn && !r.path.endsWith('/*'))?.path;
  const route = path ? routeFor(path.replace(/\{[^}]+\}/g, 'x')) : undefined;
  if (!path || route?.fn !== op.fn || !route.methods.includes(op.method.toUpperCase())) {
    throw new Error(`operation ${op.operationId}: ${op.method.toUpperCase()} ${path} is not a route of ${op.fn} (functions/routes.ts)`);
  }
  return path;
}

function operation(op: Operation): Json {
  const params = [
    ...parameters(op.params, 'path'),
    ...parameters(op.query, 'query'),
    ...(op.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: true, schema: { type: 'string' }, description: h.description })),
  ];
  const out: Schema = { operationId: op.operationId, tags: op.tags, summary: op.summary };
  if (op.description) out.description = op.description;
  if (op.security) out.security = op.security;
  if (params.length) out.parameters = params;
  if (op.body) out.requestBody = { required: true, content: json(schemaOf(op.body)) };
  out.responses = {
    [String(op.ok.status)]: { description: op.ok.description, headers: { ...REQUEST_ID_HEADER, ...(op.ok.noStore ? NO_STORE : {}) }, content: json(schemaOf(op.ok.schema)) },
    ...errorResponses(op.errors),
  };
  return out;
}

const webhookHeader = (name: string, description: string) => ({ name, in: 'header', required: true, schema: { type: 'string' }, description });

/** The events function's deliveries to WEBHOOK_URL (Standard Webhooks): one per stored object. */
function webhook(type: 'upload.completed' | 'upload.rejected', summary: string, description: string): Json {
  return {
    post: {
      operationId: type === 'upload.completed' ? 'uploadCompleted' : 'uploadRejected',
      summary,
      description:
        `${description} Sent by the events function (OSS trigger) to WEBHOOK_URL, signed by the Standard Webhooks specification with WEBHOOK_SECRET: ` +
        'verify `webhook-signature` over `<webhook-id>.<webhook-timestamp>.<raw body>` with any Standard Webhooks library before parsing. ' +
        'Answer 2xx to acknowledge; any other answer or no answer within WEBHOOK_TIMEOUT_MS is retried (FC asynchronous invocation), then kept as a dead letter.',
      tags: ['events'],
      security: [],
      parameters: [
        webhookHeader('webhook-id', 'The event id (the same as `id` in the body).'),
        webhookHeader('webhook-timestamp', 'Seconds since the epoch when this delivery was signed; reject deliveries outside your tolerance (the libraries use 5 minutes).'),
        webhookHeader('webhook-signature', '`v1,<base64 HMAC-SHA256>`; space-separated when several.'),
      ],
      requestBody: { required: true, content: json({ allOf: [ref('UploadEvent'), { properties: { type: { const: type } } }] }) },
      responses: { '200': { description: 'Received (any 2xx).' } },
    },
  };
}

function paths(): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const op of OPERATIONS) (out[pathOf(op)] ??= {})[op.method] = operation(op);
  return out;
}

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'oss-upload-functions',
      version: '0.1.0',
      summary: 'Browser multipart uploads to Alibaba Cloud OSS, orchestrated by stateless Function Compute functions.',
      description:
        'Browsers upload file bytes straight to OSS through presigned part URLs; these functions start the upload, sign part URLs, list, complete (with the OSS upload callback) and abort. ' +
        'Flow: `POST /uploads` -> `POST /uploads/sign` -> PUT each part to its URL (keep the ETag) -> `POST /uploads/complete`. Resume with `POST /uploads/list`. ' +
        'The `/s3/*` routes speak the Uppy Companion contract for `@uppy/aws-s3`. ' +
        'Every route answers CORS preflights (OPTIONS) with 204 (CORS headers only for CORS_ALLOWED_ORIGINS), another method on a known path with 405 `METHOD_NOT_ALLOWED` (and `Allow`), and any other path with 404 `NOT_FOUND`. ' +
        'A 400 `VALIDATION_FAILED` lists every problem of the request at once in `details.problems`. ' +
        'The sweep function runs on a timer and has no HTTP route. ' +
        'The events function (OSS trigger) delivers `upload.completed` / `upload.rejected` to your WEBHOOK_URL: see `webhooks`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The origin serving this document (the local stack, or the custom domain in front of the functions).' }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    tags: [
      { name: 'uploads', description: 'The JSON upload API.' },
      { name: 'oss', description: 'Called by OSS.' },
      { name: 'companion', description: 'Uppy Companion /s3/* facade over the same policy.' },
      { name: 'events', description: 'What the events function delivers to your WEBHOOK_URL (webhooks).' },
    ],
    paths: paths(),
    webhooks: {
      'upload.completed': webhook(
        'upload.completed',
        'An upload is stored and passed the content check.',
        'The object is at `data.key` and its first bytes are what it declares (or it has no magic bytes: `data.check.result` says which).',
      ),
      'upload.rejected': webhook(
        'upload.rejected',
        'A stored upload failed the content check and was quarantined.',
        'The bytes are not the declared type, or a type ALLOWED_CONTENT_TYPES refuses; the object no longer answers at `data.key` (`data.quarantine`).',
      ),
    },
    components: {
      schemas: components,
      headers: {
        RequestId: { description: 'FC request id (or a generated UUID); the same as error.requestId in error bodies.', schema: { type: 'string' } },
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Caller JWT (AUTH_JWT_SECRET HS256 or AUTH_JWKS_URL RS256/ES256); `sub` scopes the keys.' },
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'oss_upload_token', description: 'The same JWT in the AUTH_COOKIE_NAME cookie (default oss_upload_token), for same-origin Uppy.' },
      },
    },
  };
}

/** The document as the committed `openapi.json` holds it (2-space indent, final newline). */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
