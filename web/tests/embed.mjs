// Opens /embed in both languages on a running Athar with demo data, in headless Chromium
// from Debian (no browser download), waits for the map to be idle, and checks that there
// were no console errors, that incidents were rendered, and that the page reads right to
// left in Arabic. Saves a screenshot of each. Also validates the served styles.
//
//   node web/tests/embed.mjs http://127.0.0.1:PORT OUT_DIR
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, out] = process.argv.slice(2);
if (!base || !out) throw new Error('usage: embed.mjs BASE_URL OUT_DIR');
mkdirSync(out, { recursive: true });
const web = join(dirname(fileURLToPath(import.meta.url)), '..');
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

// The styles as served (absolute URLs, filters carried) pass the style specification.
for (const name of ['incidents', 'incidents-dark']) {
  const style = await (await fetch(`${base}/styles/${name}.json?kind=attack`)).text();
  const file = join(out, `${name}.json`);
  writeFileSync(file, style);
  let valid = true;
  try {
    execFileSync(join(web, 'node_modules/.bin/gl-style-validate'), [file], { stdio: 'pipe' });
  } catch (error) {
    valid = false;
    console.log(String(error.stdout));
  }
  check(valid, `gl-style-validate accepts /styles/${name}.json`);
  check(style.includes(`${base}/tiles/incidents.json?kind=attack`), `${name} carries the filters`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
         '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
try {
  for (const [lang, view] of [['ar', 'points'], ['en', 'points'], ['ar', 'communities']]) {
    const page = await browser.newPage({ viewport: { width: 900, height: 650 } });
    const errors = [];
    const offsite = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) {
        offsite.push(request.url());
      }
    });
    const url = `${base}/embed?lang=${lang}&view=${view}&from=2024-04-01&to=2024-04-30&title=${encodeURIComponent(lang === 'ar' ? 'هجمات نيسان' : 'April attacks')}`;
    await page.goto(url);
    await page.waitForFunction(() => window.atharMap && window.atharMap.loaded(), null, { timeout: 60000 });
    await page.evaluate(() => new Promise((resolve) => {
      const map = window.atharMap;
      if (map.loaded() && map.areTilesLoaded()) { map.once('idle', resolve); map.triggerRepaint(); } else map.once('idle', resolve);
    }));
    const layers = view === 'points' ? ['clusters', 'incidents'] : ['communities'];
    const rendered = await page.evaluate((ids) => window.atharMap.queryRenderedFeatures({ layers: ids }).length, layers);
    const places = await page.evaluate(() => window.atharMap.queryRenderedFeatures({ layers: ['places'] }).length);
    const direction = await page.evaluate(() => document.documentElement.dir);
    const title = await page.textContent('header h1');
    const legend = await page.textContent('#legend');
    const attribution = await page.textContent('.maplibregl-ctrl-attrib');
    check(errors.length === 0, `${lang}/${view}: no console errors ${errors.length ? JSON.stringify(errors) : ''}`);
    check(offsite.length === 0, `${lang}/${view}: nothing fetched from outside Athar ${offsite.join(' ')}`);
    check(rendered > 0, `${lang}/${view}: ${rendered} features rendered in ${layers.join(', ')}`);
    check(places > 0, `${lang}/${view}: ${places} places of the offline basemap rendered`);
    check(direction === (lang === 'ar' ? 'rtl' : 'ltr'), `${lang}/${view}: page direction ${direction}`);
    check(title.includes(lang === 'ar' ? 'هجمات' : 'April'), `${lang}/${view}: title "${title}"`);
    check(legend.includes(lang === 'ar' ? 'استهداف عسكري' : 'Military attack'), `${lang}/${view}: legend "${legend.slice(0, 60)}"`);
    check(attribution.includes('GeoNames'), `${lang}/${view}: attribution shows GeoNames`);
    await page.screenshot({ path: join(out, `embed-${lang}-${view}.png`) });
    await page.close();
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('every check passed');
