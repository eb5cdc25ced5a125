import { describe, expect, it } from 'vitest';
import { createRunMemo } from '../../src/checks/run-memo.js';

describe('createRunMemo()', () => {
  it('createRunMemo() starts the work once per key and hands every caller the same promise', async () => {
    const once = createRunMemo();
    let calls = 0;
    const work = (): Promise<number> => Promise.resolve(++calls);
    const first = once('k', work);
    expect(once('k', work)).toBe(first);
    expect(await first).toBe(1);
    expect(await once('k', work)).toBe(1);
    expect(await once('other', work)).toBe(2);
  });

  it('createRunMemo() hands a rejection to those waiting, then forgets it so a later caller tries again', async () => {
    const once = createRunMemo();
    let calls = 0;
    const failing = (): Promise<number> =>
      ++calls === 1 ? Promise.reject(new Error('timeout')) : Promise.resolve(calls);
    const first = once('k', failing);
    const waiting = once('k', failing);
    await expect(first).rejects.toThrow('timeout');
    await expect(waiting).rejects.toThrow('timeout');
    expect(await once('k', failing)).toBe(2);
    expect(await once('k', failing)).toBe(2);
  });
});
