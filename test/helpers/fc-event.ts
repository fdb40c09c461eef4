/**
 * A synthetic FC 3.0 HTTP-trigger event (docs/fc.md): canonical header names, the body as
 * a string, `Content-Length` (and `Content-Type: application/json` unless given) for a body.
 * Used where a bundle's `handler(event, context)` is called directly: test/unit/bundles.test.ts
 * and the benchmarks.
 */
export function httpEvent(method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {}) {
  const body = opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { 'User-Agent': 'Mozilla/5.0', ...opts.headers };
  if (body) {
    headers['Content-Length'] = String(Buffer.byteLength(body));
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  return {
    version: 'v1',
    rawPath: path,
    body,
    isBase64Encoded: false,
    headers,
    queryParameters: opts.query ?? {},
    requestContext: {
      accountId: '123456789012****',
      domainName: 'abcdefghij.cn-hangzhou.fcapp.run',
      domainPrefix: 'abcdefghij',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '11.11.11.11', userAgent: 'Mozilla/5.0' },
      requestId: '1-64f6cd87-0123456789abcdef01234567',
      time: new Date().toISOString(),
      timeEpoch: String(Date.now()),
      triggerId: 'http-trigger',
    },
  };
}
