import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  sanitizeFilename,
  buildObjectKey,
  callerPrefix,
  keyBelongsTo,
  isSafeSegment,
  normalizeKeyPrefix,
  validateFilename,
  randomKeyId,
  MAX_KEY_BYTES,
} from '../../shared/policy/keys';
import { HttpError } from '../../shared/http/errors';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const NOW = new Date(Date.UTC(2024, 2, 5, 23, 59)); // 2024-03
const CONTROL = /[\p{Cc}]/u;

describe('sanitizeFilename', () => {
  const cases: Array<[string, string]> = [
    ['photo.jpg', 'photo.jpg'],
    ['../x', 'x'],
    ['../../etc/passwd', 'passwd'],
    ['a/b', 'b'],
    ['/leading.txt', 'leading.txt'],
    ['\\\\server\\share\\doc.pdf', 'doc.pdf'],
    ['C:\\Users\\me\\Desktop\\cv.docx', 'cv.docx'],
    ['dir/', 'dir'],
    ['..', 'file'],
    ['.', 'file'],
    ['../', 'file'],
    ['...', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['\u0000', 'file'],
    ['a\u0000b.txt', 'ab.txt'],
    ['bad\u0007name\u007f\u009f.txt', 'badname.txt'],
    ['tab\there\nnew  line.txt', 'tab here new line.txt'],
    ['  spaced   out  .txt ', 'spaced out .txt'],
    ['what?*.txt', 'what__.txt'],
    ['a<b>c:d"e|f.txt', 'a_b_c_d_e_f.txt'],
    ['report\u202Egnp.exe', 'reportgnp.exe'],
    ['.bashrc', '.bashrc'],
    ['文件 名.pdf', '文件 名.pdf'],
    ['👨‍👩‍👧 family.png', '👨‍👩‍👧 family.png'],
    // NFD "é" (e + combining acute) becomes NFC "é".
    ['cafe\u0301.txt', 'caf\u00e9.txt'],
    ['lone\uD800surrogate.txt', 'lonesurrogate.txt'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => assert.equal(sanitizeFilename(input), want));
  }

  it('limits to 200 UTF-8 bytes, keeping the extension', () => {
    const out = sanitizeFilename(`${'a'.repeat(2000)}.tar.gz`);
    assert.equal(bytes(out), 200);
    assert.ok(out.endsWith('.gz'));
  });

  it('does not split multi-byte characters or emoji when truncating', () => {
    const out = sanitizeFilename(`${'文'.repeat(100)}.txt`); // 300 bytes of stem
    assert.ok(bytes(out) <= 200);
    assert.equal(out, `${'文'.repeat(65)}.txt`); // 65*3 + 4 = 199
    const emoji = sanitizeFilename(`${'👍🏽'.repeat(40)}.png`); // each cluster is 8 bytes
    assert.equal(emoji, `${'👍🏽'.repeat(24)}.png`); // 24*8 + 4 = 196
  });

  it('cuts one giant grapheme cluster by code points', () => {
    // q + U+0301 has no precomposed form, so NFC leaves one 1001-byte grapheme cluster.
    const zalgo = `q${'\u0301'.repeat(500)}.txt`;
    const out = sanitizeFilename(zalgo);
    assert.equal(out, `q${'\u0301'.repeat(97)}.txt`); // 1 + 97*2 + 4 = 199 bytes
  });

  it('drops a "extension" that is too long to be one', () => {
    const out = sanitizeFilename(`name.${'x'.repeat(300)}`);
    assert.equal(bytes(out), 200);
    assert.ok(out.startsWith('name.'));
  });
});

describe('validateFilename', () => {
  const bad: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['a number', 42],
    ['an object', { name: 'x' }],
    ['empty', ''],
    ['blank', '  \t '],
    ['over 4096 bytes', 'x'.repeat(4097)],
  ];
  for (const [label, v] of bad) {
    it(`rejects ${label} with 400`, () => {
      assert.throws(() => validateFilename(v), (e: unknown) => e instanceof HttpError && e.status === 400 && e.code === 'VALIDATION_FAILED');
    });
  }
  it('accepts a 2000-byte name (it is sanitised later, not rejected)', () => {
    const long = 'n'.repeat(2000);
    assert.equal(validateFilename(long), long);
  });
});

describe('isSafeSegment / normalizeKeyPrefix', () => {
  for (const s of ['alice', 'auth0|64f1', 'user@example.com', '0b6d-4c1e', 'a.b', 'x_y', 'ns:id', '.hidden']) {
    it(`${s} is safe`, () => assert.ok(isSafeSegment(s)));
  }
  for (const s of ['', '.', '..', '...', 'a/b', 'a\\b', 'a b', '%2e%2e', 'a\u0000', 'ü', 'x'.repeat(129), 'a?b', 'a#b']) {
    it(`${JSON.stringify(s)} is not safe`, () => assert.ok(!isSafeSegment(s)));
  }
  it('normalizes prefixes', () => {
    assert.equal(normalizeKeyPrefix('uploads'), 'uploads');
    assert.equal(normalizeKeyPrefix('/a/b/'), 'a/b');
  });
  for (const p of ['', '/', 'a//b', 'a/../b', 'up loads', 'x'.repeat(300)]) {
    it(`rejects prefix ${JSON.stringify(p.slice(0, 20))}`, () => assert.throws(() => normalizeKeyPrefix(p)));
  }
});

describe('buildObjectKey', () => {
  it('lays out <prefix>/<sub>/<yyyy>/<mm>/<random>/<name>', () => {
    const key = buildObjectKey({ prefix: 'uploads', sub: 'alice', now: NOW, random: 'AbCdEfGhIjKlMnOp', filename: '../a/My Photo.jpg' });
    assert.equal(key, 'uploads/alice/2024/03/AbCdEfGhIjKlMnOp/My Photo.jpg');
  });

  it('uses the UTC month', () => {
    const key = buildObjectKey({ prefix: 'u', sub: 's', now: new Date('2024-12-31T23:30:00-05:00'), random: 'r', filename: 'f' });
    assert.equal(key, 'u/s/2025/01/r/f');
  });

  it('generates a 16-character URL-safe random segment', () => {
    const a = buildObjectKey({ prefix: 'uploads', sub: 'alice', filename: 'x' });
    const b = buildObjectKey({ prefix: 'uploads', sub: 'alice', filename: 'x' });
    const seg = a.split('/')[4];
    assert.match(seg, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(a, b);
    assert.match(randomKeyId(), /^[A-Za-z0-9_-]{16}$/);
  });

  it('shrinks the filename so the whole key stays within 1023 bytes', () => {
    const prefix = Array.from({ length: 7 }, () => 'p'.repeat(30)).join('/'); // 216 bytes
    const key = buildObjectKey({ prefix, sub: 's'.repeat(128), now: NOW, random: 'r'.repeat(64), filename: '長'.repeat(1000) });
    assert.ok(bytes(key) <= MAX_KEY_BYTES);
  });

  it('refuses an unsafe sub (authentication must have checked it)', () => {
    assert.throws(() => buildObjectKey({ prefix: 'uploads', sub: '../bob', filename: 'x' }), TypeError);
    assert.throws(() => buildObjectKey({ prefix: 'uploads', sub: 'a', random: 'a/b', filename: 'x' }), TypeError);
  });

  it('property: never escapes the caller prefix, no controls, no dot segments, <= 1023 bytes', () => {
    const sub = fc.stringMatching(/^[A-Za-z0-9._@|+=:~-]{1,128}$/).filter((s) => !/^\.+$/.test(s));
    const filename = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.array(fc.constantFrom('..', '.', '/', '\\', '\u0000', '\n', ' ', 'a', '文', '👍🏽', '\u202E', 'ext.'), { maxLength: 60 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(sub, filename, fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (s, name, now) => {
        const key = buildObjectKey({ prefix: 'uploads', sub: s, now, filename: name });
        const own = callerPrefix('uploads', s);
        assert.ok(key.startsWith(own), key);
        assert.ok(bytes(key) <= MAX_KEY_BYTES);
        assert.ok(!key.startsWith('/') && !key.startsWith('\\'));
        assert.ok(!CONTROL.test(key), JSON.stringify(key));
        assert.ok(!key.includes('\\'));
        const segments = key.split('/');
        assert.equal(segments.length, 6, key);
        for (const seg of segments) assert.ok(seg !== '' && seg !== '.' && seg !== '..', key);
        assert.ok(keyBelongsTo(key, 'uploads', s));
        // The key is valid, well-formed UTF-8 (no lone surrogates).
        assert.equal(Buffer.from(key, 'utf8').toString('utf8'), key);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: sanitizeFilename is one safe segment of at most 200 bytes, and idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (name) => {
        const out = sanitizeFilename(name);
        assert.ok(out.length > 0 && bytes(out) <= 200);
        assert.ok(!/[/\\]/.test(out) && !CONTROL.test(out) && !/^\.+$/.test(out));
        assert.equal(out, out.trim());
        assert.equal(sanitizeFilename(out), out);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('callerPrefix / keyBelongsTo', () => {
  it('builds the listing prefix with a trailing slash', () => {
    assert.equal(callerPrefix('uploads', 'alice'), 'uploads/alice/');
    assert.equal(callerPrefix('/a/b/', 'alice'), 'a/b/alice/');
  });
  const cases: Array<[string, boolean]> = [
    ['uploads/alice/2024/03/r/f.txt', true],
    ['uploads/alice2/2024/03/r/f.txt', false],
    ['uploads/bob/2024/03/r/f.txt', false],
    ['uploads/alice/../bob/x', false],
    ['uploads/alice/', false],
    ['uploads/alice//x', false],
    ['other/alice/x', false],
  ];
  for (const [key, want] of cases) {
    it(`${key} belongs to alice: ${want}`, () => assert.equal(keyBelongsTo(key, 'uploads', 'alice'), want));
  }
  it('a sub that is not a safe segment owns nothing (false, not a throw)', () => {
    for (const sub of ['', '..', 'a/b', 'alice/', ' ', 42, undefined]) {
      assert.equal(keyBelongsTo('uploads/alice/2024/03/r/f.txt', 'uploads', sub), false, String(sub));
    }
  });
});
