/**
 * Type-level tests of `start()`: every form a callback may take compiles (checked by
 * `npx tsc -p . --noEmit`, part of `npm test`); what is not a request or URL does not.
 */
import { Request } from '../../src/http/request.js';
import { Spider } from '../../src/spider/spider.js';

export class ArrayStart extends Spider {
  static override name = 'array-start';
  override start() {
    return ['https://a.example/', new Request('https://a.example/2')];
  }
  parse() {}
}

export class SyncStart extends Spider {
  static override name = 'sync-start';
  override *start() {
    yield 'https://a.example/';
  }
  parse() {}
}

export class PromiseStart extends Spider {
  static override name = 'promise-start';
  override async start() {
    return [new Request('https://a.example/')];
  }
  parse() {}
}

export class NumberStart extends Spider {
  static override name = 'number-start';
  // @ts-expect-error a number is neither a Request nor a URL
  override start() {
    return [42];
  }
  parse() {}
}
