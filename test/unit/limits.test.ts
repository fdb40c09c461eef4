import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeContentType, parseContentTypePatterns, contentTypeAllowed, assertContentTypeAllowed } from '../../shared/policy/content-type';
import { assertSizeAllowed, formatBytes } from '../../shared/policy/size';
import { validateMetadata, MAX_METADATA_BYTES } from '../../shared/policy/metadata';
import { HttpError } from '../../shared/http/errors';

function httpErr(status: number, code: string) {
  return (e: unknown) => e instanceof HttpError && e.status === status && e.code === code;
}

describe('normalizeContentType', () => {
  const ok: Array<[unknown, string]> = [
    [undefined, 'application/octet-stream'],
    [null, 'application/octet-stream'],
    ['', 'application/octet-stream'],
    ['image/PNG', 'image/png'],
    [' text/plain ;  charset=UTF-8 ', 'text/plain; charset=UTF-8'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['multipart/mixed; boundary="a b"', 'multipart/mixed; boundary="a b"'],
  ];
  for (const [input, want] of ok) {
    it(`${JSON.stringify(input)} -> ${want}`, () => assert.equal(normalizeContentType(input), want));
  }
  const bad: unknown[] = [42, 'image', 'image/', '/png', 'image/png\r\nx-oss-acl: public-read', 'text/plain; charset', 'a b/c', `image/${'x'.repeat(300)}`,
    // Not sendable as a header value: a quoted parameter with non-ASCII text (was a 500 from the OSS client).
    'text/plain; charset="\u00e9"', 'text/plain; a="\u00ff"', 'text/plain; a="\u{1F600}"', 'text/plain; a="\t"'];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input).slice(0, 40)}`, () => assert.throws(() => normalizeContentType(input), httpErr(400, 'VALIDATION_FAILED')));
  }
});

describe('content type allow-list', () => {
  it('parses a comma list', () => {
    assert.deepEqual(parseContentTypePatterns(' image/*, Application/PDF ,*, '), ['image/*', 'application/pdf', '*/*']);
  });
  for (const bad of ['image', '*/png', 'image/*/*', 'text/plain; charset=utf-8']) {
    it(`rejects pattern ${bad}`, () => assert.throws(() => parseContentTypePatterns(`image/*,${bad}`), new RegExp(bad.replace(/[*/.]/g, '\\$&'))));
  }

  const table: Array<[string, string[], boolean]> = [
    ['image/png', ['*/*'], true],
    ['image/png', ['image/*'], true],
    ['IMAGE/PNG; x=y', ['image/*'], true],
    ['image/svg+xml', ['image/*'], true],
    ['video/mp4', ['image/*'], false],
    ['imagex/png', ['image/*'], false],
    ['application/pdf', ['image/*', 'application/pdf'], true],
    ['application/pdfx', ['application/pdf'], false],
    ['text/plain; charset=utf-8', ['text/plain'], true],
    ['text/plain', [], false],
  ];
  for (const [type, patterns, want] of table) {
    it(`${type} vs [${patterns}] -> ${want}`, () => {
      assert.equal(contentTypeAllowed(type, patterns), want);
      if (want) assertContentTypeAllowed(type, patterns);
      else assert.throws(() => assertContentTypeAllowed(type, patterns), httpErr(415, 'UNSUPPORTED_MEDIA_TYPE'));
    });
  }
});

describe('assertSizeAllowed', () => {
  it('accepts sizes up to the limit', () => {
    assert.equal(assertSizeAllowed(0, 10), 0);
    assert.equal(assertSizeAllowed(10, 10), 10);
  });
  it('413 FILE_TOO_LARGE over the limit', () => assert.throws(() => assertSizeAllowed(11, 10), httpErr(413, 'FILE_TOO_LARGE')));
  for (const bad of [-1, 1.5, '10', null, undefined, NaN]) {
    it(`400 for ${String(bad)}`, () => assert.throws(() => assertSizeAllowed(bad, 10), httpErr(400, 'VALIDATION_FAILED')));
  }
});

describe('formatBytes: sizes in the units the configuration accepts', () => {
  const cases: Array<[number, string]> = [
    [5 * 1024 ** 3, '5 GiB'],
    [250 * 1024, '250 KiB'],
    [1024 ** 2, '1 MiB'],
    [10_000 * 5 * 1024 ** 3, '50000 GiB'],
    [1024 ** 4, '1 TiB'],
    [1000, '1000 bytes'],
    [1024 ** 2 + 1, '1048577 bytes'],
    [1, '1 byte'],
    [0, '0 bytes'],
  ];
  for (const [n, text] of cases) it(`${n} -> ${text}`, () => assert.equal(formatBytes(n), text));
  it('FILE_TOO_LARGE names the limit in those units', () => {
    assert.throws(() => assertSizeAllowed(5 * 1024 ** 3 + 1, 5 * 1024 ** 3), (e: HttpError) => /the 5 GiB limit/.test(e.message) && !/5368709120/.test(e.message));
  });
});

describe('validateMetadata', () => {
  it('absent -> {}', () => {
    assert.deepEqual(validateMetadata(undefined), {});
    assert.deepEqual(validateMetadata(null), {});
  });
  it('keeps a valid flat string map', () => {
    assert.deepEqual(validateMetadata({ 'project-id': '42', owner: 'Zo%C3%AB ~ x' }), { 'project-id': '42', owner: 'Zo%C3%AB ~ x' });
  });
  const bad: Array<[string, unknown, string]> = [
    ['an array', ['a'], 'metadata'],
    ['a string', 'a=b', 'metadata'],
    ['an upper-case key', { Owner: 'x' }, 'metadata.Owner'],
    ['an underscore key', { __proto__x: 'x' }, 'metadata.__proto__x'],
    ['an empty key', { '': 'x' }, 'metadata.'],
    ['a nested object', { a: { b: 'c' } }, 'metadata.a'],
    ['a number value', { a: 1 }, 'metadata.a'],
    ['a control character', { a: 'x\r\ny' }, 'metadata.a'],
    ['DEL', { a: 'x\u007fy' }, 'metadata.a'],
    ['non-ASCII text (OSS headers carry ASCII only)', { owner: 'Zoë 🎉' }, 'metadata.owner'],
    ['too many bytes', { a: 'x'.repeat(MAX_METADATA_BYTES) }, 'metadata'],
  ];
  for (const [label, input, field] of bad) {
    it(`rejects ${label}`, () => {
      assert.throws(() => validateMetadata(input), (e: unknown) => {
        assert.ok(httpErr(400, 'VALIDATION_FAILED')(e));
        assert.equal((e as HttpError).details?.field, field);
        return true;
      });
    });
  }
  it('caps keys and values together', () => {
    assert.doesNotThrow(() => validateMetadata({ a: 'x'.repeat(MAX_METADATA_BYTES - 1) }));
    assert.throws(() => validateMetadata({ ab: 'x'.repeat(MAX_METADATA_BYTES - 1) }));
  });
});
