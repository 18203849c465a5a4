import { describe, expect, it } from 'vitest';
import { drainPages, forEachPage, PagingLimitError } from '../../functions/service/read-pages.ts';
import type { Page } from '../../functions/service/repository.ts';

/** A listing of `0..total-1` in pages of `size`, keyed by the last number read. */
function numbers(total: number, size: number) {
  const reads: Array<string | undefined> = [];
  const read = async (startAfter: string | undefined): Promise<Page<number>> => {
    reads.push(startAfter);
    const from = startAfter === undefined ? 0 : Number(startAfter) + 1;
    const items = Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i);
    return from + size < total ? { items, lastKey: String(from + size - 1) } : { items };
  };
  return { read, reads };
}

describe('forEachPage', () => {
  it('follows each page key until the listing ends', async () => {
    const { read, reads } = numbers(7, 3);
    const seen: number[] = [];
    await forEachPage(read, (items) => void seen.push(...items), { maxPages: 10, what: 'numbers' });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(reads).toEqual([undefined, '2', '5']);
  });

  it('stops reading as soon as the visitor has enough', async () => {
    const { read, reads } = numbers(100, 10);
    await forEachPage(read, (items) => items.includes(15), { maxPages: 100, what: 'numbers' });
    expect(reads).toHaveLength(2);
  });

  it('fails instead of answering with part of a listing that outlasts its bound', async () => {
    const { read } = numbers(100, 10);
    await expect(forEachPage(read, () => undefined, { maxPages: 3, what: 'numbers' })).rejects.toThrow(PagingLimitError);
    await expect(forEachPage(read, () => undefined, { maxPages: 3, what: 'numbers' })).rejects.toThrow('numbers did not finish within 3 pages');
  });
});

describe('drainPages', () => {
  it('re-reads the first page until it is empty', async () => {
    const left = [1, 2, 3, 4, 5];
    let reads = 0;
    await drainPages(
      async () => {
        reads += 1;
        return { items: left.slice(0, 2) };
      },
      async (items) => void left.splice(0, items.length),
      { maxPages: 10, what: 'draining' },
    );
    expect(left).toEqual([]);
    expect(reads).toBe(4);
  });

  it('fails when the listing does not empty within its bound', async () => {
    await expect(drainPages(async () => ({ items: [1] }), async () => undefined, { maxPages: 5, what: 'draining' })).rejects.toThrow(PagingLimitError);
  });
});
