/**
 * A small YAML reader for the subset s.yaml uses, so the s.yaml test needs no YAML dependency:
 *
 *  - block mappings (`key: value`, `key:` + an indented block) and block sequences (`- item`,
 *    `- key: value` continuing as a mapping);
 *  - flow sequences `[a, b]` and flow mappings `{ a: b }` of scalars (not nested);
 *  - scalars: 'single' ('' escapes a quote), "double" (JSON escapes), plain; plain ones become
 *    numbers, booleans or null the way YAML 1.2's core schema reads them (`3.0.0` stays a string);
 *  - `#` comments (whole lines, or after a space outside quotes).
 *
 * Anything else (block scalars `|` `>`, anchors and aliases, tags, multi-documents, tabs for
 * indentation, multi-line flow collections) is REJECTED with the line number, so editing s.yaml
 * beyond this subset fails the test loudly instead of being misread.
 */
export class MiniYamlError extends Error {
  override name = 'MiniYamlError';
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

const fail = (line: { no: number } | undefined, msg: string): never => {
  throw new MiniYamlError(line ? `line ${line.no}: ${msg}` : msg);
};

/** Removes a trailing ` # comment` that is outside quotes. */
function stripComment(s: string): string {
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) {
        if (quote === "'" && s[i + 1] === "'") i++;
        else quote = undefined;
      } else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') {
      // A quote opens a quoted scalar only at the start of a value.
      const before = s.slice(0, i).trimEnd();
      if (before === '' || /[:\-[{,]$/.test(before)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) {
      return s.slice(0, i).trimEnd();
    }
  }
  return s.trimEnd();
}

function toLines(text: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const no = idx + 1;
    if (/^\s*(#.*)?$/.test(raw)) return;
    if (/^\t| \t/.test(raw.match(/^[ \t]*/)![0])) fail({ no }, 'tabs in indentation');
    if (raw.startsWith('---') || raw.startsWith('...')) fail({ no }, 'multiple documents are not supported');
    const indent = raw.length - raw.trimStart().length;
    const body = stripComment(raw.slice(indent));
    if (body !== '') out.push({ no, indent, text: body });
  });
  return out;
}

const isSeqItem = (t: string) => t === '-' || t.startsWith('- ');

/** `key: rest` / `key:` -> [key, rest]; undefined when the text is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  const m = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^'"\s#[\]{},&*!|>%@`][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const rawKey = m[1];
  const key = rawKey.startsWith("'") ? rawKey.slice(1, -1).replace(/''/g, "'") : rawKey.startsWith('"') ? (JSON.parse(rawKey) as string) : rawKey;
  return [key, m[2] ?? ''];
}

/** Splits `a, b, 'c, d'` at top-level commas. */
function splitFlow(inner: string, line: Line): string[] {
  const items: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      cur += c;
      if (c === quote) {
        if (quote === "'" && inner[i + 1] === "'") cur += inner[++i];
        else quote = undefined;
      }
    } else if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '[' || c === '{' || c === ']' || c === '}') {
      fail(line, 'nested flow collections are not supported');
    } else if (c === ',') {
      items.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (quote) fail(line, 'unterminated quote in a flow collection');
  if (cur.trim() !== '') items.push(cur.trim());
  return items;
}

function plain(s: string): unknown {
  if (/^(null|Null|NULL|~)$/.test(s)) return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number(s);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

function scalar(s: string, line: Line): unknown {
  if (s.startsWith("'")) {
    const m = /^'((?:[^']|'')*)'$/.exec(s);
    if (!m) fail(line, `bad single-quoted scalar ${s}`);
    return m![1].replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s);
    } catch {
      return fail(line, `bad double-quoted scalar ${s}`);
    }
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) fail(line, 'multi-line flow sequences are not supported');
    return splitFlow(s.slice(1, -1), line).map((item) => scalar(item, line));
  }
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) fail(line, 'multi-line flow mappings are not supported');
    const obj: Record<string, unknown> = {};
    for (const item of splitFlow(s.slice(1, -1), line)) {
      const kv = splitKey(item);
      if (!kv) fail(line, `bad flow mapping entry ${item}`);
      obj[kv![0]] = scalar(kv![1], line);
    }
    return obj;
  }
  if (/^[|>]/.test(s)) fail(line, 'block scalars (| and >) are not supported');
  if (/^[&*!%@`]/.test(s)) fail(line, `anchors, aliases, tags and reserved indicators are not supported: ${s}`);
  if (/:\s/.test(s) || s.endsWith(':')) fail(line, `a plain scalar cannot contain ": " (quote it): ${s}`);
  return plain(s);
}

function parseNode(lines: Line[], i: number, indent: number): [unknown, number] {
  return isSeqItem(lines[i].text) ? parseSeq(lines, i, indent) : parseMap(lines, i, indent);
}

function parseMap(lines: Line[], i: number, indent: number): [Record<string, unknown>, number] {
  const obj: Record<string, unknown> = {};
  while (i < lines.length && lines[i].indent === indent && !isSeqItem(lines[i].text)) {
    const line = lines[i];
    const kv = splitKey(line.text);
    if (!kv) fail(line, `expected "key: value", got ${line.text}`);
    const [key, rest] = kv!;
    if (Object.hasOwn(obj, key)) fail(line, `duplicate key ${key}`);
    i++;
    if (rest !== '') {
      obj[key] = scalar(rest, line);
    } else if (i < lines.length && lines[i].indent > indent) {
      [obj[key], i] = parseNode(lines, i, lines[i].indent);
    } else if (i < lines.length && lines[i].indent === indent && isSeqItem(lines[i].text)) {
      [obj[key], i] = parseSeq(lines, i, indent);
    } else obj[key] = null;
  }
  if (i < lines.length && lines[i].indent > indent) fail(lines[i], 'unexpected indentation');
  return [obj, i];
}

function parseSeq(lines: Line[], i: number, indent: number): [unknown[], number] {
  const arr: unknown[] = [];
  while (i < lines.length && lines[i].indent === indent && isSeqItem(lines[i].text)) {
    const line = lines[i];
    const after = line.text === '-' ? '' : line.text.slice(2).trimStart();
    if (after === '') {
      i++;
      if (i < lines.length && lines[i].indent > indent) [arr[arr.length], i] = parseNode(lines, i, lines[i].indent);
      else arr.push(null);
    } else if (splitKey(after) && !/^['"[{]/.test(after)) {
      // `- key: value` starts a mapping whose other keys line up with `key`.
      const childIndent = indent + (line.text.length - after.length);
      lines[i] = { no: line.no, indent: childIndent, text: after };
      let value: unknown;
      [value, i] = parseMap(lines, i, childIndent);
      arr.push(value);
    } else if (isSeqItem(after)) {
      fail(line, 'nested inline sequences ("- - x") are not supported');
    } else {
      arr.push(scalar(after, line));
      i++;
    }
  }
  return [arr, i];
}

export function parseYaml(text: string): unknown {
  const lines = toLines(text);
  if (lines.length === 0) return null;
  if (lines[0].indent !== 0) fail(lines[0], 'the document must start at column 0');
  const [value, i] = parseNode(lines, 0, 0);
  if (i < lines.length) fail(lines[i], `unexpected content: ${lines[i].text}`);
  return value;
}
