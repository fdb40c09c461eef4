/**
 * XML in and out. Output is built by hand (element order matters to some clients and is fixed by
 * the OSS docs); input (Complete, PutBucketCors) goes through fast-xml-parser with every value
 * kept as a string.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(s: string): string {
  // Text content only (we write no attributes): quotes stay literal, as in OSS's <ETag>"…"</ETag>.
  return s.replace(/[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        // Control characters cannot appear in XML 1.0 at all; write them as a visible escape.
        return `&#x${c.charCodeAt(0).toString(16)};`;
    }
  });
}

/** An element: text content (escaped), or already-built children. */
export function el(name: string, content: string | number | boolean | string[] | undefined | null): string {
  if (content === undefined || content === null) return `<${name}></${name}>`;
  if (Array.isArray(content)) return `<${name}>${content.join('')}</${name}>`;
  return `<${name}>${escapeXml(String(content))}</${name}>`;
}

export function xmlDocument(root: string, children: string[]): string {
  return `${XML_DECL}<${root}>${children.join('')}</${root}>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
  isArray: (name) => ['Part', 'CORSRule', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader'].includes(name),
});

/** Parses an XML document; undefined when it is not well-formed. */
export function parseXml(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  if (XMLValidator.validate(text) !== true) return undefined;
  try {
    return parser.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** encoding-type=url: how OSS encodes keys and prefixes in XML (decodable with QueryUnescape). */
export function urlEncodeValue(s: string): string {
  return encodeURIComponent(s);
}
