/**
 * Type-level tests of typed callbacks, checked by `npx tsc -p . --noEmit` (part of `npm test`):
 * every `@ts-expect-error` line must fail to compile, every other line must compile.
 */
import { Request } from '../../src/http/request.js';
import type { Response } from '../../src/http/response.js';
import { Spider, type CallbackResult } from '../../src/spider/spider.js';

interface Book {
  title: string;
  price: number;
}

export class Books extends Spider<Book, Books> {
  static override name = 'books';

  // Annotated: with several deliberate errors in one body, tsc's error elaboration would otherwise
  // need parse's own inferred type (TS7023). A single mistake in an unannotated parse reports
  // "'parseLst' is not assignable ... Did you mean 'parseList'?".
  override async *parse(response: Response): AsyncGenerator<Request | Book> {
    yield this.request('http://example.test/a', { callback: 'parseBook', cbKwargs: { page: 1 } });
    yield this.request('http://example.test/b', { callback: this.parseBook, cbKwargs: { page: 2 } });
    yield this.request('http://example.test/c', { callback: 'parseList', errback: 'onError' });
    yield this.follow(response, '/d', { callback: 'parseList' });
    yield* this.followAll(response, 'a.next', { callback: this.parseList });
    yield this.request('http://example.test/e');
    // A wrong callback name.
    // @ts-expect-error 'parseBok' is not a method of Books
    yield this.request('http://example.test/f', { callback: 'parseBok' });
    // @ts-expect-error a wrong errback name
    yield this.request('http://example.test/g', { errback: 'onEror' });
    // @ts-expect-error 'start' is the start hook, not a callback
    yield this.request('http://example.test/h', { callback: 'start' });
    // @ts-expect-error 'logger' is a field of every spider, not a method
    yield this.follow(response, '/i', { callback: 'logger' });
    // @ts-expect-error cbKwargs of the wrong type for parseBook
    yield this.request('http://example.test/j', { callback: 'parseBook', cbKwargs: { page: 'one' } });
    // @ts-expect-error cbKwargs missing a field parseBook declares
    yield this.request('http://example.test/k', { callback: this.parseBook, cbKwargs: {} });
    yield { title: 'x', price: 3 };
  }

  parseWrong(): CallbackResult<Book> {
    // @ts-expect-error an item of the wrong shape: price must be a number
    return [{ title: 'x', price: '3' }];
  }

  parseList(response: Response): CallbackResult<Book> {
    return [{ title: response.url, price: 1 }];
  }

  parseBook(response: Response, kwargs: { page: number }): CallbackResult<Book> {
    return [{ title: `${response.url} ${kwargs.page}`, price: 1 }];
  }

  onError(): void {}
}

/** An unannotated parse that yields a wrong item no longer overrides `Spider<Book>`'s parse. */
export class WrongYield extends Spider<Book> {
  static override name = 'wrong-yield';
  // @ts-expect-error parse yields { title, price: string }, not a Book
  override async *parse() {
    yield { title: 'x', price: '3' };
  }
}

/** A spider that does not name itself still takes any callback name (checked when scheduled). */
export class Loose extends Spider {
  static override name = 'loose';

  override async *parse() {
    yield this.request('http://example.test/', { callback: 'anything' });
    yield new Request({ url: 'http://example.test/', callback: 'parse', cbKwargs: { a: 1 } });
  }
}
