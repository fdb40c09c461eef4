/**
 * OssProtocolError: OSS (or something pretending to be it) answered 2xx with a body or headers we
 * could not make sense of. In a file of its own so that the XML parsers (./xml.ts) can throw it
 * while ./errors.ts, which re-exports it, reads error documents through them: no import loop.
 */
export class OssProtocolError extends Error {
  override name = 'OssProtocolError';
  operation?: string;
  status?: number;
  requestId?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
