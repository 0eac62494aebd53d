// Time HeavySpider.parse on N pages, in this thread; optionally in a worker.
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const TAGS = ['red', 'blue', 'green', 'sale', 'new', 'eco', 'kids', 'pro'];
function heavyPage(i: number, cards = 600): string {
  const parts: string[] = [`<!doctype html><html><head><meta charset="utf-8"><title>Catalogue ${i}</title></head><body><main>`];
  for (let c = 0; c < cards; c++) {
    const n = i * cards + c;
    const tags = TAGS.filter((_, k) => (n + k) % 3 === 0).map((t) => `<li>${t}</li>`).join('');
    parts.push(`<div class="product${n % 4 === 0 ? ' in-stock' : ''}" id="p${n}"><h2 class="name"><a href="/item/${n}">Product ${n}</a></h2>` +
        `<span class="price" data-amount="${((n * 37) % 1000) / 10}">$${((n * 37) % 1000) / 10}</span>` +
        `<p class="description">${'lorem ipsum dolor sit amet '.repeat(1 + (n % 7))}</p><ul class="tags">${tags}</ul></div>`);
  }
  parts.push('</main></body></html>');
  return parts.join('');
}

async function run(mode: string, n: number): Promise<number[]> {
  const src = mode === 'dist' ? '/work/main/dist' : '/work/main/src';
  const ext = mode === 'dist' ? 'js' : 'ts';
  const { Response } = await import(`${src}/http/response.${ext === 'js' ? 'js' : 'ts'}`);
  const { Request } = await import(`${src}/http/request.${ext === 'js' ? 'js' : 'ts'}`);
  const spiderMod = mode === 'dist' ? await import('/tmp/exp/heavy-dist.js') : await import('/work/main/test/fixtures/spiders/heavy.ts');
  const spider = new spiderMod.default({ args: {} });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(heavyPage(i));
    const t = performance.now();
    const r = new Response({ url: `http://x/heavy/${i}`, status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body, request: new Request(`http://x/heavy/${i}`) });
    spider.parse(r);
    times.push(performance.now() - t);
  }
  return times;
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(1);

if (isMainThread) {
  const which = process.argv[2] ?? 'main-src';
  const n = Number(process.argv[3] ?? 40);
  if (which.startsWith('main')) {
    const t = await run(which.endsWith('dist') ? 'dist' : 'src', n);
    console.log(which, 'median ms/page (last half)', med(t.slice(n / 2)), 'first', t[0]!.toFixed(0));
  } else {
    const w = new Worker(new URL(import.meta.url), { workerData: { mode: which.endsWith('dist') ? 'dist' : 'src', n, tsx: which.includes('tsx') }, execArgv: [] });
    w.on('message', (m) => console.log(which, 'median ms/page (last half)', m.med, 'first', m.first));
    w.on('error', (e) => console.error(e));
  }
} else {
  const { mode, n, tsx } = workerData as { mode: string; n: number; tsx: boolean };
  if (tsx) { const { register } = await import('tsx/esm/api'); register(); }
  const t = await run(mode, n);
  parentPort!.postMessage({ med: med(t.slice(n / 2)), first: t[0]!.toFixed(0) });
}
