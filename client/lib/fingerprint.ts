/**
 * Recognising a file offered again (after a reload, a crash, in another tab): its name, size,
 * lastModified and a digest of its first and last 64 KiB. Reading only the ends keeps this instant
 * for any size; a change in the middle is still caught, because resume checks every part OSS holds
 * against the CRC-64 of the same bytes of this file (session/open.ts).
 *
 * SHA-256 through WebCrypto where there is one (secure contexts, Node); CRC-64 of each end otherwise.
 */
import type { Crc64Kernel } from '../../shared/oss/crc64-kernel';

const EDGE = 64 * 1024;

export async function fingerprint(file: Blob, name: string, kernel: () => Crc64Kernel): Promise<string> {
  const size = file.size;
  const head = new Uint8Array(await file.slice(0, Math.min(EDGE, size)).arrayBuffer());
  const tail = size > EDGE ? new Uint8Array(await file.slice(Math.max(EDGE, size - EDGE), size).arrayBuffer()) : new Uint8Array(0);
  const both = new Uint8Array(head.length + tail.length);
  both.set(head);
  both.set(tail, head.length);
  let digest: string;
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (subtle) {
    digest = hex(new Uint8Array(await subtle.digest('SHA-256', both)));
  } else {
    const k = kernel();
    const [a, b] = [head, tail].map((part) => k.update(part, -1, -1).map((w) => (~w >>> 0).toString(16).padStart(8, '0')).join(''));
    digest = `crc64:${a}:${b}`;
  }
  const modified = (file as Partial<File>).lastModified ?? '';
  return `${encodeURIComponent(name)}|${size}|${modified}|${digest}`;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
