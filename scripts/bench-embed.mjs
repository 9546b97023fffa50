// The /embed page through an emulated "Fast 3G" (see scripts/bench-embed, which runs this
// with a server): a forwarding proxy on loopback delays each request by one round trip
// and sends every response's bytes (headers and body, compressed as they come) through one
// shared 1.6 Mbps pipe, counting them; Chromium is pointed at it for every URL, loopback
// included, with an empty cache per run.
//
//   node scripts/bench-embed.mjs BASE_URL RUNS
import http from 'node:http';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, runsText] = process.argv.slice(2);
const runs = Number(runsText || 3);
const web = join(dirname(fileURLToPath(import.meta.url)), '../web');
const { chromium } = createRequire(join(web, 'package.json'))('playwright-core');

const BYTES_PER_SECOND = 1.6e6 / 8;
const ROUND_TRIP_MS = 150;
let pipeFreeAt = 0; // when the shared pipe has sent everything queued (ms)
let counted = [];   // [url, bytes] of the current run
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
// Sends `bytes` through the pipe: resolves when they have arrived.
const through = async (bytes) => {
  const now = performance.now();
  pipeFreeAt = Math.max(pipeFreeAt, now) + (bytes * 1000) / BYTES_PER_SECOND;
  await sleep(pipeFreeAt - now);
};

let navigated = 0;    // when the run's navigation started (ms)
const proxy = http.createServer(async (request, response) => {
  const target = new URL(request.url);
  const asked = performance.now() - navigated;
  await sleep(ROUND_TRIP_MS); // the request's way there and the answer's first byte back
  const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search,
                                  method: request.method, headers: request.headers }, async (answer) => {
    const head = `HTTP/1.1 ${answer.statusCode}\r\n${Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
    let total = Buffer.byteLength(head);
    await through(total);
    response.writeHead(answer.statusCode, answer.headers);
    for await (const chunk of answer) {
      total += chunk.length;
      await through(chunk.length);
      response.write(chunk);
    }
    response.end();
    counted.push([request.url, total, asked, performance.now() - navigated]);
  });
  upstream.on('error', () => { response.writeHead(502); response.end(); });
  request.pipe(upstream);
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyPort = proxy.address().port;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
         '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
         `--proxy-server=http://127.0.0.1:${proxyPort}`, '--proxy-bypass-list=<-loopback>'],
});
const kindOf = (url) => {
  if (url.includes('/assets/')) return url.split('/').pop().split('?')[0];
  if (url.includes('/tiles/') && url.includes('.json')) return 'tilejson';
  if (url.includes('/tiles/')) return `tiles/${url.split('/tiles/')[1].split('/')[0]}`;
  if (url.includes('/styles/')) return 'style';
  if (url.includes('/embed')) return 'page';
  return 'other';
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
try {
  for (const lang of ['ar', 'en']) {
    const times = [];
    const totals = [];
    let last = [];
    for (let run = 0; run < runs; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      counted = [];
      pipeFreeAt = 0;
      const started = performance.now();
      navigated = started;
      await page.goto(`${base}/embed?kind=attack&from=2024-04-01&to=2024-04-30&lang=${lang}`, { timeout: 120000 });
      await page.waitForFunction(() => window.atharMap && window.atharMap.loaded(), null, { timeout: 120000, polling: 50 });
      await page.evaluate(() => new Promise((resolve) => {
        const map = window.atharMap;
        if (map.loaded() && map.areTilesLoaded()) resolve(); else map.once('idle', resolve);
      }));
      const elapsed = performance.now() - started;
      const drawn = await page.evaluate(() => window.atharMap.queryRenderedFeatures().length);
      if (drawn === 0) throw new Error(`${lang}: nothing drawn`);
      times.push(elapsed);
      totals.push(counted.reduce((sum, [, bytes]) => sum + bytes, 0));
      last = counted;
      await context.close();
    }
    const byKind = {};
    for (const [url, bytes] of last) {
      const kind = kindOf(url);
      byKind[kind] = byKind[kind] || { requests: 0, bytes: 0 };
      byKind[kind].requests += 1;
      byKind[kind].bytes += bytes;
    }
    console.log(`/embed (lang=${lang}, April's attacks): ${(median(totals) / 1000).toFixed(1)} KB on the wire, ` +
                `${(median(times) / 1000).toFixed(2)} s to a rendered, idle map (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s)`);
    for (const [kind, { requests, bytes }] of Object.entries(byKind).sort((a, b) => b[1].bytes - a[1].bytes)) {
      console.log(`  ${kind}: ${requests} request${requests === 1 ? '' : 's'}, ${(bytes / 1000).toFixed(1)} KB`);
    }
    if (process.env.WATERFALL) {
      for (const [url, bytes, asked, done] of [...last].sort((a, b) => a[2] - b[2])) {
        console.log(`    ${(asked / 1000).toFixed(2)}–${(done / 1000).toFixed(2)} s ${(bytes / 1000).toFixed(1)} KB ${url.replace(base, '')}`);
      }
    }
  }
} finally {
  await browser.close();
  proxy.close();
}
