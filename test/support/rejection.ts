import { expect } from 'vitest';
import { WatchmarkError } from '../../src/errors.js';

/** Awaits a promise that must reject with a WatchmarkError and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<WatchmarkError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WatchmarkError);
  return err as WatchmarkError;
}
