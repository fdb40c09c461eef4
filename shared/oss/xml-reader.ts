/**
 * A small, strict XML reader for OSS responses. It exists for cold starts: fast-xml-parser and its
 * dependencies were ~64 KB of a ~170 KB minified function bundle and ~10 ms of each cold start.
 * fast-xml-parser stays as the test oracle (test/unit/xml-reader.test.ts): on well-formed input
 * the output equals its output with ignoreAttributes, parseTagValue:false, trimValues:false,
 * htmlEntities:true, ignoreDeclaration, ignorePiTags and the same isArray paths.
 *
 * Output: `{ [rootName]: value }`. An element without child elements is its text ('' if empty);
 * one with child elements is an object of its children, any text in it (whitespace between them
 * included) concatenated into '#text'. A repeated name becomes an array in document order;
 * `isArray(path)` (names from the root joined by '.', e.g. 'ListPartsResult.Part') makes it one
 * always. Objects have a null prototype, so `__proto__` or `constructor` are plain keys.
 *
 * Accepted: elements, attributes (checked, dropped), text, CDATA, comments, processing
 * instructions, the XML declaration and a leading BOM (skipped), the five predefined entities and
 * numeric references (to any Unicode scalar value: control characters and NUL too, which XML 1.0
 * forbids; see `scalar`). CR LF and lone CR become LF as XML requires (fast-xml-parser does it too);
 * `&#13;` stays a CR. XmlSyntaxError (what, at which offset) for: mismatched, unclosed or stray
 * tags, text or a second element outside the root, no root, DOCTYPE (no DTDs: OSS never sends one,
 * and it is the entity-expansion attack surface), unknown entities (`&nbsp;`), a bare `&`,
 * references to surrogates or past U+10FFFF, bad names or declaration, unterminated
 * markup, nesting deeper than 100. Not checked, so as not to lose a document over a detail a
 * lax server writer might get wrong: literal characters XML forbids (they pass through), `]]>`
 * in text (kept as text), duplicate attributes. Iterative and linear (indexOf, startsWith, sticky regexps).
 */
export type XmlNode = Record<string, unknown>;

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
  constructor(what: string, readonly offset: number) {
    super(`XML: ${what} at offset ${offset}`);
  }
}

const MAX_DEPTH = 100;
/**
 * Sticky patterns, tested at a position. Made on the first read, so a bundle that never reads XML
 * (the callback function's) drops them. `startRest` follows a start tag's name: attributes
 * (whitespace before each, either quote, no '<' in a value), then '/'? and '>'.
 */
function makePatterns() {
  const S = '[ \\t\\r\\n]';
  const EQ = `${S}*=${S}*`;
  // XML 1.0 names: a NameStartChar, then NameChars (astral ones as surrogate pairs).
  const START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
  const ASTRAL = '[\\uD800-\\uDB7F][\\uDC00-\\uDFFF]';
  const NAME = `(?:[${START}]|${ASTRAL})(?:[${START}.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040-]|${ASTRAL})*`;
  const sticky = (source: string) => new RegExp(source, 'y');
  return {
    nameAt: sticky(NAME),
    startRest: sticky(`(?:${S}+${NAME}${EQ}(?:"[^<"]*"|'[^<']*'))*${S}*/?>`),
    endRest: sticky(`${S}*>`),
    piAt: sticky(`${NAME}(?:${S}|\\?>)`),
    decl: sticky(`<\\?xml${S}+version${EQ}(["'])1\\.\\d+\\1(?:${S}+encoding${EQ}(["'])[A-Za-z][\\w.-]*\\2)?(?:${S}+standalone${EQ}(["'])(?:yes|no)\\3)?${S}*\\?>`),
  };
}
let patterns: ReturnType<typeof makePatterns> | undefined;

const CHARS = /\r\n?|&([^&;]*)(;?)/g;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// One per distinct element path (isArray is asked once per path). `first`/`next`: which child came
// after which last time, so repeated structures (10,000 <Part>s) match by startsWith, unsliced.
type PathInfo = { name: string; path: string; array: boolean; kids: Record<string, PathInfo>; first?: PathInfo; next?: PathInfo };
/** An open element (or the document): `node` is made by its first child element, `last` is its latest child's PathInfo. */
type Frame = { at: PathInfo; node?: XmlNode; text: string; last?: PathInfo };

// Null prototype; unlike Object.create(null), V8 keeps these in fast mode (~30% of the parse time).
const dict = <T>(): Record<string, T> => Object.setPrototypeOf({}, null);
const clip = (s: string) => (s.length > 16 ? `${s.slice(0, 16)}…` : s);

function fail(what: string, at: number): never {
  throw new XmlSyntaxError(what, at);
}

/** Whether sticky `re` matches at `at`; `re.lastIndex` is then the end of the match. */
function matchAt(re: RegExp, s: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(s);
}

// What a reference may name: any Unicode scalar value. XML 1.0 forbids control characters (1.1
// allows all but NUL), but a server that echoes a key or an upload id holding one can only write
// it as a reference (the emulator does, in error documents), and refusing the reference would lose
// the whole document: an error's Code, so NoSuchUpload (404) would turn into a 502. A reference
// yields one character of a JS string either way; only what no string can hold is refused.
const scalar = (c: number) => (c >= 0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0x10ffff);

/** Character data found at offset `at`: line ends normalised, references decoded. */
function chars(s: string, at: number): string {
  if (!s.includes('&') && !s.includes('\r')) return s;
  return s.replace(CHARS, (m: string, ref: string, semi: string, off: number) => {
    if (m[0] === '\r') return '\n';
    if (semi && Object.hasOwn(ENTITIES, ref)) return ENTITIES[ref];
    const num = semi ? /^#(?:x([\da-fA-F]+)|(\d+))$/.exec(ref) : null;
    if (!num) fail(`unknown entity or bare '&' (&${clip(ref)}${semi})`, at + off);
    const c = num[1] ? parseInt(num[1], 16) : Number(num[2]);
    if (!scalar(c)) fail(`reference to no Unicode character (&${clip(ref)};)`, at + off);
    return String.fromCodePoint(c);
  });
}

export function readXml(xml: string, opts: { isArray?: (path: string) => boolean } = {}): XmlNode {
  const isArray = opts.isArray ?? (() => false);
  const { nameAt, startRest, endRest, piAt, decl } = (patterns ??= makePatterns());
  const doc = dict();
  const stack: Frame[] = [{ at: { name: '', path: '', array: false, kids: dict() }, node: doc, text: '' }];
  const begin = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  let pos = begin;
  let rooted = false;

  const attach = ({ at, node, text }: Frame, parent: Frame) => {
    if (node && text) node['#text'] = text;
    const value = node ?? text;
    const into = (parent.node ??= dict());
    const prev = into[at.name];
    if (prev === undefined) into[at.name] = at.array ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else into[at.name] = [prev, value];
  };

  for (;;) {
    const top = stack[stack.length - 1];
    const lt = xml.indexOf('<', pos);
    const end = lt < 0 ? xml.length : lt;
    if (end > pos) {
      const s = xml.slice(pos, end);
      if (stack.length > 1) top.text += chars(s, pos);
      else if (/[^ \t\r\n]/.test(s)) fail('text outside the root element', pos);
    }
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);
    if (xml.startsWith('<!--', lt)) {
      const close = xml.indexOf('-->', lt + 4);
      if (close < 0) fail('unterminated comment', lt);
      if (xml.indexOf('--', lt + 4) < close) fail("'--' inside a comment", lt);
      pos = close + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const close = xml.indexOf(']]>', lt + 9);
      if (close < 0) fail('unterminated CDATA section', lt);
      if (stack.length === 1) fail('CDATA outside the root element', lt);
      top.text += xml.slice(lt + 9, close).replace(/\r\n?/g, '\n');
      pos = close + 3;
    } else if (c === 0x3f /* ? */) {
      const close = xml.indexOf('?>', lt + 2);
      if (close < 0) fail('unterminated processing instruction', lt);
      if (!matchAt(piAt, xml, lt + 2)) fail('processing instruction without a target name', lt);
      const isDecl = /^xml[ \t\r\n?]/i.test(xml.slice(lt + 2, lt + 6)); // target 'xml' is reserved for it
      if (isDecl && (lt !== begin || !matchAt(decl, xml, lt))) fail('misplaced or malformed XML declaration', lt);
      pos = close + 2;
    } else if (c === 0x21 /* ! */) {
      fail(xml.startsWith('<!DOCTYPE', lt) ? 'DOCTYPE (DTDs are not supported)' : "unknown markup '<!'", lt);
    } else if (c === 0x2f /* / */) {
      const name = top.at.name;
      let gt = lt + 2 + name.length;
      if (xml.charCodeAt(gt) !== 0x3e && matchAt(endRest, xml, gt)) gt = endRest.lastIndex - 1;
      if (stack.length === 1 || xml.charCodeAt(gt) !== 0x3e || !xml.startsWith(name, lt + 2)) {
        const got = matchAt(nameAt, xml, lt + 2) ? xml.slice(lt + 2, nameAt.lastIndex) : '';
        if (!got || !matchAt(endRest, xml, nameAt.lastIndex)) fail('malformed end tag', lt);
        fail(stack.length === 1 ? `end tag </${clip(got)}> without a start tag` : `end tag </${clip(got)}> does not match <${clip(name)}>`, lt);
      }
      pos = gt + 1;
      stack.pop();
      attach(top, stack[stack.length - 1]);
    } else {
      if (stack.length === 1 && rooted) fail('a second root element', lt);
      if (stack.length > MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`, lt);
      rooted = true;
      // Fast path: `<Name>` or `<Name/>`, Name being the child that followed the previous one last time.
      let at = top.last ? top.last.next : top.at.first;
      const after = at ? lt + 1 + at.name.length : 0;
      const gt = xml.charCodeAt(after) === 0x2f ? after + 1 : after;
      if (at && xml.charCodeAt(gt) === 0x3e && xml.startsWith(at.name, lt + 1)) {
        pos = gt + 1;
      } else {
        if (!matchAt(nameAt, xml, lt + 1)) fail('bad element name', lt);
        const nameEnd = nameAt.lastIndex;
        if (!matchAt(startRest, xml, nameEnd)) fail('malformed start tag (bad attribute, or unterminated)', lt);
        pos = startRest.lastIndex;
        if (pos - nameEnd > 2) chars(xml.slice(nameEnd, pos), nameEnd); // references in attribute values must be valid too
        const name = xml.slice(lt + 1, nameEnd);
        const path = top.at.path ? `${top.at.path}.${name}` : name;
        at = top.at.kids[name] ??= { name, path, array: isArray(path), kids: dict() };
        if (top.last) top.last.next = at;
        else top.at.first = at;
      }
      top.last = at;
      const el: Frame = { at, text: '' };
      if (xml.charCodeAt(pos - 2) === 0x2f /* '/>' */) attach(el, top);
      else stack.push(el);
    }
  }
  if (stack.length > 1) fail(`<${clip(stack[stack.length - 1].at.name)}> is not closed`, xml.length);
  if (!rooted) fail('no root element', begin);
  return doc;
}
