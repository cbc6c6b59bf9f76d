// Test setup (vitest `setupFiles`): an ArenaEvent (src/decode/arena-event.ts: a decoded event whose
// object is parsed on first read) equals a plain EventEntry when its plain form (toJSON: the entry a
// recording stores, object included) does, so tests can compare decoder output with literals.
import type { Tester, TesterContext } from '@vitest/expect';
import { expect } from 'vitest';
import { ArenaEvent } from '../../src/decode/arena-event.js';

expect.addEqualityTesters([
  function arenaEventEquals(this: TesterContext, a: unknown, b: unknown, testers: Tester[]) {
    if (!(a instanceof ArenaEvent) && !(b instanceof ArenaEvent)) return undefined;
    return this.equals(a instanceof ArenaEvent ? a.toJSON() : a, b instanceof ArenaEvent ? b.toJSON() : b, testers);
  },
]);
// A failing comparison prints a diff of a copy vitest makes, whose object cannot be read (its bytes
// are private to the original): it shows as COPY_WITHOUT_BYTES. Compare `entry.toJSON()` to see it.
