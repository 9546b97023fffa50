// Opens the monthly report's HTML (/v1/reports/monthly.html) in both languages on a
// running Athar holding tests/fixtures/report-month-2024-04.csv, in headless Chromium from
// Debian, and checks: no console errors or CSP violations, nothing fetched from outside
// Athar, the page's language and direction, the text set right to left in Arabic (a
// paragraph's first word on its right), the four charts and the map drawn at a readable
// size, and each figure's download links answering an SVG and a PNG. Saves a full-page
// screenshot of each language in OUT_DIR (report-ar.png, report-en.png).
//
// Prints a line per check (`ok   …` or `FAIL …`) and exits with an error when one fails.
// Run by tests/tests/browser.rs; by hand, from the workspace root:
//
//   node tests/browser/report.mjs http://127.0.0.1:PORT OUT_DIR
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, out] = process.argv.slice(2);
if (!base || !out) throw new Error('usage: report.mjs BASE_URL OUT_DIR');
mkdirSync(out, { recursive: true });
const web = join(dirname(fileURLToPath(import.meta.url)), '../../web');
const { chromium } = createRequire(join(web, 'package.json'))('playwright-core');
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  for (const lang of ['ar', 'en']) {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    const errors = [];
    const offsite = [];
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('response', (answer) => { if (answer.status() >= 400) errors.push(`${answer.status()} ${answer.url()}`); });
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) offsite.push(request.url());
    });
    const url = `${base}/v1/reports/monthly.html?month=2024-04&lang=${lang}`;
    const response = await page.goto(url);
    check(response.status() === 200, `${lang}: ${url} answers 200`);
    await page.waitForLoadState('load');
    const direction = await page.evaluate(() => document.documentElement.dir);
    const language = await page.evaluate(() => document.documentElement.lang);
    check(direction === (lang === 'ar' ? 'rtl' : 'ltr') && language === lang,
      `${lang}: page language ${language}, direction ${direction}`);
    const title = await page.textContent('h1');
    check(title.includes(lang === 'ar' ? 'التقرير الشهري' : 'monthly report'), `${lang}: title "${title}"`);
    const headings = await page.$$eval('section h2', (hs) => hs.map((h) => h.textContent));
    const expected = lang === 'ar'
      ? ['الهجمات العسكرية', 'الحرائق', 'حوادث السير', 'حالات الغرق', 'المصادر']
      : ['Military attacks', 'Fires', 'Traffic accidents', 'Drownings', 'Sources'];
    check(JSON.stringify(headings) === JSON.stringify(expected), `${lang}: sections in the report's order ${JSON.stringify(headings)}`);
    // Right to left: the first paragraph's first word sits at its right edge.
    const sides = await page.evaluate(() => {
      const p = document.querySelector('section p');
      const range = document.createRange();
      range.setStart(p.firstChild, 0);
      range.setEnd(p.firstChild, 3);
      const word = range.getBoundingClientRect();
      const box = p.getBoundingClientRect();
      return { left: word.left - box.left, right: box.right - word.right };
    });
    const rightToLeft = sides.right < sides.left;
    check(lang === 'ar' ? rightToLeft : !rightToLeft,
      `${lang}: the first word starts on the ${rightToLeft ? 'right' : 'left'} (${JSON.stringify(sides)})`);
    const figures = await page.$$eval('figure', (fs) => fs.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      return { id: f.id, width: box.width, height: box.height, caption: f.querySelector('figcaption').textContent };
    }));
    check(JSON.stringify(figures.map((f) => f.id)) === JSON.stringify(
      ['figure-casualties', 'figure-weapons', 'figure-map', 'figure-fire-places', 'figure-accident-causes']),
      `${lang}: four charts and the map, each with its section ${JSON.stringify(figures.map((f) => f.id))}`);
    check(figures.every((f) => f.width >= 400 && f.height >= 100),
      `${lang}: every figure drawn at a readable size ${JSON.stringify(figures.map((f) => [Math.round(f.width), Math.round(f.height)]))}`);
    check(figures.some((f) => f.caption.includes(lang === 'ar' ? 'الخريطة 1' : 'Map 1')), `${lang}: the map is captioned Map 1`);
    const links = await page.$$eval('figcaption a', (as) => as.map((a) => a.href));
    check(links.length === 10, `${lang}: ten download links (SVG and PNG of each figure)`);
    for (const link of links) {
      const answer = await page.request.get(link);
      const type = answer.headers()['content-type'];
      const wanted = link.includes('.png?') ? 'image/png' : 'image/svg+xml';
      if (answer.status() !== 200 || type !== wanted) check(false, `${lang}: ${link} answers ${answer.status()} ${type}`);
    }
    check(true, `${lang}: every download link answered its image`);
    const violations = await page.evaluate(() => window.cspViolations);
    check(errors.length === 0, `${lang}: no console errors ${errors.length ? JSON.stringify(errors) : ''}`);
    check(violations.length === 0, `${lang}: no CSP violations ${JSON.stringify(violations)}`);
    check(offsite.length === 0, `${lang}: nothing fetched from outside Athar ${offsite.join(' ')}`);
    await page.screenshot({ path: join(out, `report-${lang}.png`), fullPage: true });
    check(true, `${lang}: screenshot saved as ${join(out, `report-${lang}.png`)}`);
    await page.close();
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`report.mjs: ${failures} check(s) failed`);
  process.exit(1);
}
