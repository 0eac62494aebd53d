import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spider } from '../../src/spider/spider.js';
import { checkSpiderClass, extendsSpider } from '../../src/spider/spider-check.js';

const code = (run: () => void): string | undefined => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

test('a spider class is checked for a name, parse(), startUrls and allowedDomains as arrays', () => {
  class Good extends Spider {
    static override name = 'good';
    static override startUrls = ['https://a.example/'];
    async *parse() {}
  }
  assert.equal(code(() => checkSpiderClass(Good, 'good.ts')), undefined);
  class Empty extends Spider {
    static override name = '';
    async *parse() {}
  }
  assert.equal(code(() => checkSpiderClass(Empty, 'f.ts')), 'ERR_SPIDER_NAME');
  const Anonymous = { default: class extends Spider { async *parse() {} } }.default;
  Object.defineProperty(Anonymous, 'name', { value: 'default' });
  assert.equal(code(() => checkSpiderClass(Anonymous, 'f.ts')), 'ERR_SPIDER_NAME');
  class Letters extends Spider {
    static override name = 'letters';
    static override startUrls = 'https://a.example/' as unknown as string[];
    async *parse() {}
  }
  assert.equal(code(() => checkSpiderClass(Letters, 'f.ts')), 'ERR_SPIDER_START_URLS');
  class Domains extends Spider {
    static override name = 'domains';
    static override allowedDomains = 'a.example' as unknown as string[];
    async *parse() {}
  }
  assert.equal(code(() => checkSpiderClass(Domains, 'f.ts')), 'ERR_SPIDER_ALLOWED_DOMAINS');
  abstract class NoParse extends Spider {
    static override name = 'no-parse';
  }
  assert.ok(extendsSpider(NoParse));
  assert.equal(code(() => checkSpiderClass(NoParse as unknown as typeof Good, 'f.ts')), 'ERR_SPIDER_NO_PARSE');
  assert.equal(extendsSpider(class {}), false);
});
