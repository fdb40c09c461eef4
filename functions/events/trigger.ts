/**
 * How FC runs the events function (the OSS trigger's events and filter, asynchronous-invocation
 * retries and maximum age), declared once for s.yaml and the local stack (docs/events.md).
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
