// The validation step (shared/http/validate.ts) with the API's schemas: every problem at once, each
// naming its field in plain words; what the hand validators of shared/http/body.ts said, kept.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { HttpError } from '../../shared/http/errors';
import { parseInput, MAX_PROBLEMS } from '../../shared/http/validate';
import { InitRequest } from '../../functions/init/schema';
import { SignRequest } from '../../functions/sign/schema';
import { ListRequest } from '../../functions/list/schema';
import { CompleteRequest } from '../../functions/complete/schema';
import { BatchQuery, CompanionCompleteRequest, PartParams } from '../../functions/companion/schema';
import { CallbackBody } from '../../functions/callback/schema';

/** The problems `input` has against `schema`, as [field, message] pairs. */
function problems(schema: v.GenericSchema, input: unknown): Array<[string, string]> {
  try {
    parseInput(schema, input);
  } catch (err) {
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'VALIDATION_FAILED');
    const list = err.details!.problems as Array<{ field: string; message: string }>;
    assert.equal(err.details!.field, list[0].field, 'details.field names the first problem');
    assert.equal(err.message, list.map((p) => p.message).join('; '));
    return list.map((p) => [p.field, p.message]);
  }
  assert.fail('no problem found');
}
const one = (schema: v.GenericSchema, input: unknown) => {
  const list = problems(schema, input);
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0];
};

const S = v.object({
  name: v.string(),
  short: v.optional(v.pipe(v.string(), v.maxLength(3))),
  word: v.optional(v.pipe(v.string(), v.regex(/^\w+$/, 'must be a word'))),
  maybe: v.nullish(v.string()),
  num: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
  flag: v.optional(v.boolean()),
  list: v.optional(v.pipe(v.array(v.number()), v.minLength(1), v.maxLength(2))),
  obj: v.optional(v.object({ k: v.string() })),
});

describe('one problem: the field and plain words', () => {
  const cases: Array<[string, unknown, string, string]> = [
    ['missing', {}, 'name', 'name is required'],
    ['not a string', { name: 5 }, 'name', 'name must be a string'],
    ['null for a required string', { name: null }, 'name', 'name must be a string'],
    ['too long', { name: 'a', short: 'abcd' }, 'short', 'short must be at most 3 characters'],
    ['a pattern, in its own words', { name: 'a', word: 'a b' }, 'word', 'word must be a word'],
    ['not an integer', { name: 'a', num: 1.5 }, 'num', 'num must be an integer'],
    ['a numeric string is not a number', { name: 'a', num: '5' }, 'num', 'num must be a number'],
    ['below min', { name: 'a', num: -1 }, 'num', 'num must be at least 0'],
    ['above max', { name: 'a', num: 11 }, 'num', 'num must be at most 10'],
    ['not a boolean', { name: 'a', flag: 'yes' }, 'flag', 'flag must be true or false'],
    ['not an array', { name: 'a', list: {} }, 'list', 'list must be an array'],
    ['an empty array', { name: 'a', list: [] }, 'list', 'list must have at least 1 item'],
    ['too many items', { name: 'a', list: [1, 2, 3] }, 'list', 'list must have at most 2 items'],
    ['an item, by index', { name: 'a', list: [1, 'x'] }, 'list[1]', 'list[1] must be a number'],
    ['not an object', { name: 'a', obj: [] }, 'obj.k', 'obj.k is required'],
    ['a nested member', { name: 'a', obj: { k: 1 } }, 'obj.k', 'obj.k must be a string'],
  ];
  for (const [label, input, field, message] of cases) {
    it(label, () => assert.deepEqual(one(S, input), [field, message]));
  }
  it('absent and null optional fields pass; unknown fields are dropped', () => {
    assert.deepEqual(parseInput(S, { name: 'a', maybe: null, extra: 1 }), { name: 'a', maybe: null });
  });
  it('an empty string, for a field that must not be empty', () => {
    assert.deepEqual(one(InitRequest, { filename: '', size: 1 }), ['filename', 'filename must not be empty']);
  });
});

describe('every problem at once', () => {
  it('POST /uploads: four fields wrong, four problems', () => {
    assert.deepEqual(problems(InitRequest, { filename: 7, size: -1, partSize: 1024, metadata: { a: 1 } }), [
      ['filename', 'filename must be a string'],
      ['size', 'size must be at least 0'],
      ['partSize', 'partSize must be at least 100 KiB'],
      ['metadata.a', 'metadata.a must be a string'],
    ]);
  });
  it('POST /uploads/complete: bad parts and a numeric crc64', () => {
    assert.deepEqual(problems(CompleteRequest, { token: 't', parts: [{ partNumber: 0, etag: '"e"' }, { etag: 5 }], crc64: 1 }), [
      ['parts[0].partNumber', 'parts[0].partNumber must be at least 1'],
      ['parts[1].partNumber', 'parts[1].partNumber is required'],
      ['parts[1].etag', 'parts[1].etag must be a string'],
      ['crc64', 'crc64 must be a decimal string: a 64-bit number loses precision in JSON'],
    ]);
  });
  it('a list of thousands of mistakes is cut at MAX_PROBLEMS, saying how many more', () => {
    const list = problems(SignRequest, { token: 't', partNumbers: Array.from({ length: 5000 }, () => 0) });
    assert.equal(list.length, MAX_PROBLEMS + 1);
    assert.deepEqual(list.at(-1), ['', `(and ${5000 - MAX_PROBLEMS} more problems)`]);
  });
  it('several query and path parameters of the Companion routes', () => {
    assert.deepEqual(problems(BatchQuery, { partNumbers: '1,,2' }), [
      ['key', 'key is required'],
      ['partNumbers', 'partNumbers must list part numbers like 1,2,3'],
    ]);
    assert.deepEqual(one(PartParams, { uploadId: 'x', partNumber: '10001' }), ['partNumber', 'partNumber must be an integer from 1 to 10000']);
    assert.deepEqual(problems(CompanionCompleteRequest, { parts: [{ PartNumber: 'one', ETag: '""' }, { PartNumber: 2.5, ETag: 'x'.repeat(129) }] }), [
      ['parts[0].PartNumber', 'parts[0].PartNumber must be an integer from 1 to 10000'],
      ['parts[0].ETag', 'parts[0].ETag must be the ETag OSS returned for the part'],
      ['parts[1].PartNumber', 'parts[1].PartNumber must be an integer from 1 to 10000'],
      ['parts[1].ETag', 'parts[1].ETag must be the ETag OSS returned for the part'],
    ]);
  });
});

describe('what parsing gives the handlers', () => {
  it('crc64 as a bigint, up to 2^64-1 and not beyond', () => {
    assert.equal(parseInput(CompleteRequest, { token: 't', crc64: '18446744073709551615' }).crc64, 2n ** 64n - 1n);
    assert.deepEqual(one(CompleteRequest, { token: 't', crc64: '18446744073709551616' })[0], 'crc64');
    assert.deepEqual(one(CompleteRequest, { token: 't', crc64: '12a' })[0], 'crc64');
  });
  it('Companion part numbers as numbers, from digits or numbers', () => {
    assert.deepEqual(parseInput(BatchQuery, { key: 'k', partNumbers: '1, 2,10000' }).partNumbers, [1, 2, 10000]);
    assert.equal(parseInput(PartParams, { uploadId: 'x', partNumber: '00007' }).partNumber, 7);
    assert.deepEqual(parseInput(CompanionCompleteRequest, { parts: [{ PartNumber: '1', ETag: '"a"' }, { PartNumber: 2, ETag: '"b"' }] }).parts, [
      { PartNumber: 1, ETag: '"a"' },
      { PartNumber: 2, ETag: '"b"' },
    ]);
  });
  it('list paging and the callback issue time', () => {
    assert.deepEqual(parseInput(ListRequest, { token: 't', maxParts: 5 }), { token: 't', maxParts: 5 });
    const facts = { bucket: 'b', key: 'k', etag: 'e', size: 1, mimeType: 'm', crc64: '', uploadId: '', sub: 's', issuedAt: '1700000000' };
    assert.equal(parseInput(CallbackBody, facts).issuedAt, 1_700_000_000);
    assert.deepEqual(one(CallbackBody, { ...facts, issuedAt: 1 }), ['issuedAt', 'issuedAt must be a string']);
  });
  it('a key of the client\'s own is cut to 64 characters in the field it names', () => {
    const [field] = one(SignRequest, { token: 't', partNumbers: [1], contentMd5: { ['k'.repeat(500)]: 'x' } });
    assert.equal(field, `contentMd5.${'k'.repeat(64)}…`);
  });
});
