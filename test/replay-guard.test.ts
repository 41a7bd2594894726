// The native replay guard: a signature is accepted once inside the tolerance window (both ways:
// 2 × 300 s), accepted again only after it, and remembered signatures are pruned as they expire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedClock } from '../src/core/clock.ts';
import { ReplayGuard, TOLERANCE_MS } from '../src/dialects/native/auth.ts';

test('a signature is refused while remembered, accepted after the window, and pruned', () => {
  const clock = new FixedClock('2024-01-01T00:00:00.000Z');
  const guard = new ReplayGuard(clock);
  assert.equal(guard.firstUse('k:1:a'), true);
  assert.equal(guard.firstUse('k:1:a'), false, 'a replay');
  clock.advance(2 * TOLERANCE_MS);
  assert.equal(guard.firstUse('k:1:a'), false, 'still inside the window at its very end');
  clock.advance(1);
  for (let i = 0; i < 2_000; i++) assert.equal(guard.firstUse(`k:2:${i}`), true);
  assert.equal(guard.size, 2_000, 'the expired signature was pruned, the live ones kept');
  clock.advance(2 * TOLERANCE_MS + 1);
  assert.equal(guard.firstUse('k:3:z'), true);
  assert.equal(guard.size, 1, 'everything expired is gone');
  assert.equal(guard.firstUse('k:2:7'), true, 'an expired signature no longer blocks');
});
