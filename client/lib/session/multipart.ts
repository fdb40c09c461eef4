/**
 * The multipart upload a session sends: its parts as planned for the file and what is known of
 * each, and Restart, thrown by any step when that upload cannot go on.
 */
import type { ApiError } from '../../errors';

export interface SignedUrl {
  url: string;
  headers: Record<string, string>;
  validUntil: number;
  /** Signed again when less than this is left: URL_MARGIN_MS, or a quarter of a shorter lifetime. */
  margin: number;
}

export interface Part {
  n: number;
  start: number;
  end: number;
  /** CRC-64 of the bytes read from the file. */
  crc?: bigint;
  md5?: string;
  /** Settles when crc (and md5) are known: hashed beside the PUT, or all ahead in Content-MD5 mode. */
  digested?: Promise<void>;
  url?: SignedUrl;
  /** Signed at least once (a later sign call for it is a re-sign). */
  signed?: boolean;
  /** OSS refused its URL as expired. */
  expired?: boolean;
  done?: { etag: string; crc: bigint };
}

export interface Active {
  token: string;
  tokenExpiresAt: string;
  key: string;
  uploadId: string;
  partSize: number;
  parts: Part[];
}

/** A part as `list` reports it. */
export interface ListedPart {
  partNumber: number;
  etag: string;
  size: number;
  crc64: string | null;
}

/** The stored upload cannot go on (gone, token expired): start a new one. */
export class Restart extends Error {}

/** The API says the upload is gone: 404, or a 401 about its upload token (not the caller's JWT). */
export function uploadGone(e: ApiError, up: { tokenExpiresAt: string }): boolean {
  return e.status === 404 || (e.status === 401 && e.apiCode === 'TOKEN_INVALID' && (/upload token/i.test(e.message) || Date.now() >= Date.parse(up.tokenExpiresAt)));
}
