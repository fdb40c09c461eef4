// shared/policy/active-uploads.ts: the rule that keeps MAX_ACTIVE_UPLOADS under concurrency, checked
// against every interleaving fast-check can think of (a model of OSS: whole-second Initiated times,
// listings that show what was initiated and not yet aborted).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { atActiveUploadLimit, keepsNewUpload, type ListedUpload } from '../../shared/policy/active-uploads';

const at = (s: number) => new Date(s * 1000);

describe('keepsNewUpload', () => {
  it('counts uploads initiated no later than ours, same-second ones included whatever their id', () => {
    const mine = { key: 'k/m', uploadId: 'M' };
    const listed: ListedUpload[] = [
      { key: 'k/a', uploadId: 'A', initiated: at(10) },
      { key: 'k/z', uploadId: 'Z', initiated: at(11) },
      { ...mine, initiated: at(11) },
      { key: 'k/later', uploadId: 'L', initiated: at(12) },
    ];
    assert.equal(keepsNewUpload(listed, mine, 3), true);
    assert.equal(keepsNewUpload(listed, mine, 2), false);
    assert.equal(keepsNewUpload(listed, mine, 0), true, '0 = unlimited');
    // Missing from the listing: counted after all of them.
    assert.equal(keepsNewUpload(listed.slice(0, 2), mine, 3), true);
    assert.equal(keepsNewUpload(listed.slice(0, 3).filter((u) => u.uploadId !== 'M'), mine, 2), false);
  });
  it('atActiveUploadLimit: the cheap pre-check', () => {
    assert.equal(atActiveUploadLimit(2, 2), true);
    assert.equal(atActiveUploadLimit(1, 2), false);
    assert.equal(atActiveUploadLimit(99, 0), false);
  });

  it('property: whatever the interleaving, at most N uploads survive', () => {
    // Each create: initiate at step a, list at a later step b; refused ones abort right after listing.
    // Steps map to whole seconds by a random monotone clock, so many creates share a second.
    const schedule = fc
      .integer({ min: 1, max: 6 })
      .chain((limit) =>
        fc.record({
          limit: fc.constant(limit),
          creates: fc.array(fc.tuple(fc.nat({ max: 60 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 25 }),
          secondsPerStep: fc.array(fc.nat({ max: 1 }), { minLength: 100, maxLength: 100 }),
        }),
      );
    fc.assert(
      fc.property(schedule, ({ limit, creates, secondsPerStep }) => {
        const second = (step: number) => secondsPerStep.slice(0, step).reduce((s, x) => s + x, 0);
        type Ev = { step: number; kind: 'init' | 'list'; i: number };
        const events: Ev[] = creates.flatMap(([a, d], i) => [
          { step: a, kind: 'init' as const, i },
          { step: a + d, kind: 'list' as const, i },
        ]);
        // Same step: inits before lists (a listing at the same instant sees it), then by index.
        events.sort((x, y) => x.step - y.step || (x.kind === y.kind ? x.i - y.i : x.kind === 'init' ? -1 : 1));
        const live = new Map<number, ListedUpload>();
        const survivors = new Set<number>();
        for (const e of events) {
          if (e.kind === 'init') {
            live.set(e.i, { key: `k/${e.i}`, uploadId: `id-${(e.i * 7919) % 101}`, initiated: at(second(e.step)) });
          } else {
            const mine = live.get(e.i)!;
            if (keepsNewUpload([...live.values()], mine, limit)) survivors.add(e.i);
            else live.delete(e.i);
          }
        }
        assert.ok(survivors.size <= limit, `${survivors.size} survivors with a limit of ${limit}`);
      }),
      { numRuns: 3000 },
    );
  });
});
