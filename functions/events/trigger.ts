/**
 * How FC runs the events function, declared in s.yaml and applied by the local stack, from this one
 * place (test/unit/s-yaml.test.ts checks s.yaml against it):
 *  - the OSS trigger: the created-object events our uploads produce (multipart complete, form POST,
 *    PutObject), filtered to KEY_PREFIX; not CopyObject, so a quarantine copy never comes back;
 *  - asynchronous invocation: retries of a failed invocation (FC's maximum is 8) and how old an
 *    event may get before FC gives up on it and sends it to the onFailure destination.
 */
export const EVENTS_TRIGGER_EVENTS = [
  'oss:ObjectCreated:PutObject',
  'oss:ObjectCreated:PostObject',
  'oss:ObjectCreated:CompleteMultipartUpload',
] as const;

export const EVENTS_ASYNC_INVOKE = {
  /** Every retry is one more invocation; a receiver down for minutes is ridden out. */
  maxAsyncRetryAttempts: 8,
  /** A day: then the event waits in the dead letters for a re-delivery (README). */
  maxAsyncEventAgeInSeconds: 86_400,
} as const;
