/**
 * What an OSS error answer says: `<Error><Code>…</Code><Message>…</Message><RequestId>…`.
 * A regular expression is enough for these flat, fixed elements, and keeps a parser out of the bundle.
 */
export interface OssErrorInfo {
  code?: string;
  message?: string;
  requestId?: string;
}

export function parseOssError(text: string): OssErrorInfo {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  return { code: field('Code'), message: field('Message'), requestId: field('RequestId') };
}

/**
 * A URL a fresh signature fixes: past its lifetime (403 AccessDenied "Request has expired."), or
 * signed with STS credentials that have expired since (403 SecurityTokenExpired).
 */
export function isExpiredUrl(status: number, info: OssErrorInfo): boolean {
  if (status !== 403) return false;
  return info.code === 'SecurityTokenExpired' || (info.code === 'AccessDenied' && /expired/i.test(info.message ?? ''));
}
