/** OSS_* variables: the bucket, the endpoints (own calls and browser URLs), and the client's timeout. */
import type { EnvReader } from './reader';
import type { OssClientConfig, OssConfig } from './types';

export function ossConfig(r: EnvReader): OssConfig {
  const region = r.required('OSS_REGION');
  if (region !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(region)) r.bad('OSS_REGION', 'must be a region id like cn-hangzhou');
  else if (region?.startsWith('oss-')) r.bad('OSS_REGION', 'must be the bare region id, e.g. cn-hangzhou (not oss-cn-hangzhou)');
  const bucket = r.required('OSS_BUCKET');
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
    r.bad('OSS_BUCKET', 'must be 3-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit');
  }
  const regional = `https://oss-${region ?? 'invalid'}.aliyuncs.com`;
  const endpointRaw = r.str('OSS_ENDPOINT');
  const endpoint = (endpointRaw && endpointOrigin(r, 'OSS_ENDPOINT', endpointRaw)) || regional;
  const publicRaw = r.str('OSS_PUBLIC_ENDPOINT');
  const publicEndpoint =
    (publicRaw && endpointOrigin(r, 'OSS_PUBLIC_ENDPOINT', publicRaw)) ||
    (endpointRaw && !/-internal\./.test(endpoint) ? endpoint : regional);
  return {
    region: region ?? '',
    bucket: bucket ?? '',
    endpoint,
    publicEndpoint,
    forcePathStyle: r.bool('OSS_FORCE_PATH_STYLE', false),
    signatureVersion: r.oneOf('OSS_SIGNATURE_VERSION', ['v4', 'v1'] as const, 'v4'),
  };
}

export function ossClientConfig(r: EnvReader): OssClientConfig {
  return { timeoutMs: r.int('OSS_TIMEOUT_MS', 30_000, 100, 600_000) };
}

/** `scheme://host[:port]` from an endpoint setting; a bare host gets https. */
function endpointOrigin(r: EnvReader, name: string, raw: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  const url = r.url(name, withScheme, 'must be a URL or host name');
  if (!url) return undefined;
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search || url.hash || url.username) {
    r.bad(name, 'must be http(s)://host[:port] with no path, query or credentials');
    return undefined;
  }
  return url.origin;
}
