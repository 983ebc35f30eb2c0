import type { Page } from './model.js';

/**
 * Every item of every page `read` answers, asking for the next page only when the caller reaches it; ends after an
 * empty page or the last one (`pagesAvailable`), so a list that shrinks while it is walked still ends.
 */
export function pages<T>(read: (pageNumber: number) => Promise<Page<T>>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let pageNumber = 1; ; pageNumber++) {
        const page = await read(pageNumber);
        yield* page.items;
        if (page.items.length === 0 || pageNumber >= page.pagesAvailable) return;
      }
    },
  };
}
