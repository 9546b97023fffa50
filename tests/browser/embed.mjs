// Opens /embed in both languages on a running Athar with demo data, in headless Chromium
// from Debian (no browser download), waits for the map to be idle, and checks that there
// were no console errors, that incidents were rendered, and that the page reads right to
// left in Arabic. Saves a screenshot of each. Checks the "Download map" links: their label,
// keyboard access, a URL to /maps/static.png (and .pdf) with the page's filters, language,
// view and the map's current bbox and size at scale 2, that the download and a fetch of
// it are PNG, and that the bbox follows the map when it moves. Also validates the styles.
// Then opens /embed?view=hotspots in both languages (and with trend=true in Arabic):
// hexagons of the hotspot tiles rendered with their class, hot ones among them, the
// diverging legend's seven rows in the page's language and direction, a popup on a hot
// hexagon, no download links, no console errors or CSP violations.
//
// Prints a line per check (`ok   …` or `FAIL …`) and exits with an error when one fails.
// Run by tests/tests/browser.rs (`cargo test -p athar-e2e --test browser`), which starts
// the server; by hand, from the workspace root:
//
//   node tests/browser/embed.mjs http://127.0.0.1:PORT OUT_DIR
//
// Playwright and the style validator are the front-end packages' (web/node_modules, from
// scripts/setup-web), resolved from web/ since this file is not below it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, out, release] = process.argv.slice(2);
if (!base || !out) throw new Error('usage: embed.mjs BASE_URL OUT_DIR');
mkdirSync(out, { recursive: true });
const web = join(dirname(fileURLToPath(import.meta.url)), '../../web');
const { chromium } = createRequire(join(web, 'package.json'))('playwright-core');
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
};

// The styles as served (absolute URLs, filters carried) pass the style specification,
// with the incidents and, for view=hotspots, with the hotspot tiles instead.
const validate = (name, style) => {
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
};
for (const name of ['incidents', 'incidents-dark']) {
  const style = await (await fetch(`${base}/styles/${name}.json?kind=attack`)).text();
  validate(name, style);
  check(style.includes(`${base}/tiles/incidents.json?kind=attack`), `${name} carries the filters`);
  for (const trend of [false, true]) {
    const hotspots = `view=hotspots&kind=attack&resolution=7${trend ? '&trend=true&periods=6' : ''}`;
    const served = await (await fetch(`${base}/styles/${name}.json?${hotspots}`)).json();
    const hotspotName = `${name}-hotspots${trend ? '-trend' : ''}`;
    validate(hotspotName, JSON.stringify(served));
    const tiles = `${base}/tiles/hotspots/{z}/{x}/{y}.mvt?${hotspots.replace('view=hotspots&', '')}`;
    check(served.sources.hotspots?.tiles?.[0] === tiles && !served.sources.incidents,
      `${hotspotName}: the hotspot tiles with the filters and parameters (${served.sources.hotspots?.tiles?.[0]}), no incidents`);
  }
}

// Every page records its Content-Security-Policy violations (a listener added before the
// page's own scripts, by the browser, so the policy does not apply to it).
const recordViolations = (page) => page.addInitScript(() => {
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
  });
});

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
    await recordViolations(page);
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
    const filters = { kind: 'attack', from: '2024-04-01', to: '2024-04-30' };
    const mapTitle = lang === 'ar' ? 'هجمات نيسان' : 'April attacks';
    const url = `${base}/embed?lang=${lang}&view=${view}&theme=light&${new URLSearchParams(filters)}&title=${encodeURIComponent(mapTitle)}`;
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
    // The attribution's last full stop ends its sentence on the right, in both languages
    // (on an Arabic page it used to land on the left of the English text).
    const stop = await page.evaluate(() => {
      const inner = document.querySelector('.maplibregl-ctrl-attrib-inner');
      const walker = document.createTreeWalker(inner, NodeFilter.SHOW_TEXT);
      let node;
      while ((node = walker.nextNode())) {
        const at = node.textContent.indexOf('modified.');
        if (at >= 0) {
          const rect = (start, end) => {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, end);
            return range.getBoundingClientRect();
          };
          return { word: rect(at, at + 8).right, stop: rect(at + 8, at + 9).left };
        }
      }
      return null;
    });
    check(stop !== null && stop.stop >= stop.word - 1,
      `${lang}/${view}: the attribution's full stop follows its last word ${JSON.stringify(stop)}`);
    // The legend lists the kinds present under the page's filters with the counts of
    // /v1/stats for them; the caption gives the total and the period.
    const stats = await (await fetch(`${base}/v1/stats?${new URLSearchParams(filters)}`)).json();
    const rows = await page.$$eval('#legend .legend-row', (rs) => rs.map((r) => r.textContent));
    const expected = Object.entries(stats.kinds).map(([slug, k]) => `${lang === 'ar' ? k.label_ar : k.label_en} (${k.incidents})`);
    check(rows.length === expected.length && expected.every((row) => rows.includes(row)),
      `${lang}/${view}: legend rows ${JSON.stringify(rows)} are /v1/stats' ${JSON.stringify(expected)}`);
    const caption = await page.textContent('#caption');
    const period = lang === 'ar' ? '1–30 نيسان 2024' : '1–30 April 2024';
    check(caption.includes(String(stats.incidents)) && caption.includes(period),
      `${lang}/${view}: caption "${caption}" gives the total and the period`);
    await page.screenshot({ path: join(out, `embed-${lang}-${view}.png`) });

    // "Download map": a link in the page's language, reached with the keyboard, to the
    // server's static map of the current view with the page's filters.
    const names = lang === 'ar' ? ['تنزيل الخريطة', 'تنزيل الخريطة بصيغة PDF'] : ['Download map', 'Download map as PDF'];
    const button = page.getByRole('link', { name: names[0], exact: true });
    check(await button.count() === 1, `${lang}/${view}: one "${names[0]}" link`);
    check(await page.getByRole('link', { name: names[1], exact: true }).count() === 1, `${lang}/${view}: one "${names[1]}" link`);
    let focused = '';
    for (let tab = 0; tab < 5 && focused !== 'download-png'; tab += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    }
    check(focused === 'download-png', `${lang}/${view}: the download link is reached with Tab`);
    // The link's URL against the map as it is now: the bbox within a pixel or two.
    const view_ = () => page.evaluate(() => {
      const map = window.atharMap;
      const b = map.getBounds();
      const c = map.getContainer();
      return { bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], width: c.clientWidth, height: c.clientHeight,
               png: document.getElementById('download-png').href, pdf: document.getElementById('download-pdf').href };
    });
    const checkLink = (state, when) => {
      const link = new URL(state.png);
      const q = link.searchParams;
      check(link.origin + link.pathname === `${base}/maps/static.png`, `${lang}/${view} ${when}: links to ${link.pathname}`);
      const expected = { ...filters, lang, view, title: mapTitle, width: String(state.width), height: String(state.height), scale: '2' };
      const wrong = Object.entries(expected).filter(([name, value]) => q.get(name) !== value);
      check(wrong.length === 0 && !q.has('theme'), `${lang}/${view} ${when}: filters, lang, view, title, ${state.width}×${state.height}, scale 2 ${wrong.map(([n]) => `${n}=${q.get(n)}`).join(' ')}`);
      const bbox = (q.get('bbox') || '').split(',').map(Number);
      const pixel = (state.bounds[2] - state.bounds[0]) / state.width;
      const off = Math.max(...state.bounds.map((edge, i) => Math.abs(edge - bbox[i])));
      check(bbox.length === 4 && off <= 2 * pixel, `${lang}/${view} ${when}: bbox ${q.get('bbox')} is the view (off by ${off.toExponential(1)}°)`);
      const pdf = new URL(state.pdf);
      check(pdf.pathname === '/maps/static.pdf' && pdf.search === link.search, `${lang}/${view} ${when}: the PDF link has the same query`);
      return bbox;
    };
    const before = await view_();
    const bboxBefore = checkLink(before, 'at first');
    // Enter on the focused link downloads the PNG, and the same URL fetched by the page
    // answers a PNG.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), page.keyboard.press('Enter')]);
    check(download.url() === before.png, `${lang}/${view}: Enter downloads ${download.suggestedFilename()} from the link`);
    const saved = join(out, `download-${lang}-${view}.png`);
    await download.saveAs(saved);
    const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    check(PNG.every((byte, i) => readFileSync(saved)[i] === byte), `${lang}/${view}: the download is a PNG (${readFileSync(saved).length} bytes)`);
    const fetched = await page.evaluate(async (href) => {
      const response = await fetch(href);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, type: response.headers.get('content-type'), head: Array.from(bytes.slice(0, 8)), size: bytes.length };
    }, before.png);
    check(fetched.status === 200 && fetched.type === 'image/png' && PNG.every((byte, i) => fetched.head[i] === byte),
      `${lang}/${view}: fetching the link answers ${fetched.status} ${fetched.type}, ${fetched.size} bytes of PNG`);
    if (lang === 'en') {
      const pdf = await page.evaluate(async (href) => {
        const response = await fetch(href);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { status: response.status, type: response.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
      }, before.pdf);
      check(pdf.status === 200 && pdf.type === 'application/pdf' && pdf.head === '%PDF-', `${lang}/${view}: the PDF link answers ${pdf.status} ${pdf.type} ${pdf.head}`);
    }
    // Pan east and zoom in: the link follows.
    await page.evaluate(() => new Promise((resolve) => {
      const map = window.atharMap;
      const b = map.getBounds();
      map.once('moveend', resolve);
      map.jumpTo({ center: [b.getCenter().lng + (b.getEast() - b.getWest()) / 4, b.getCenter().lat], zoom: map.getZoom() + 1 });
    }));
    const after = await view_();
    const bboxAfter = checkLink(after, 'after panning and zooming');
    check(bboxAfter[0] > bboxBefore[0] && bboxAfter[2] - bboxAfter[0] < (bboxBefore[2] - bboxBefore[0]) * 0.6,
      `${lang}/${view}: the bbox moved east and shrank (${bboxBefore.join(',')} → ${bboxAfter.join(',')})`);
    check(errors.length === 0, `${lang}/${view}: no console errors while downloading ${errors.length ? JSON.stringify(errors) : ''}`);
    const violations = await page.evaluate(() => window.cspViolations);
    check(violations.length === 0, `${lang}/${view}: no Content-Security-Policy violations ${violations.join(' ')}`);
    await page.close();
  }

  // The time slider (slider=week over April's attacks), in both languages: at first the
  // whole period, with the legend of /v1/stats for the page's filters; moved to its first
  // step with the keyboard, the step's first day in the URL, the legend and caption those
  // of /v1/stats for the step's dates, the tiles asked for with them, and the map drawn.
  // Then view=casualties: symbols drawn, sized from the casualty tiles.
  for (const lang of ['ar', 'en']) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors = [];
    const tiles = [];
    await recordViolations(page);
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('response', (response) => { if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`); });
    page.on('request', (request) => { if (request.url().includes('/tiles/incidents/')) tiles.push(request.url()); });
    const filters = { kind: 'attack', from: '2024-04-01', to: '2024-04-30' };
    await page.goto(`${base}/embed?lang=${lang}&slider=week&${new URLSearchParams(filters)}`);
    const idle = () => page.evaluate(() => new Promise((resolve) => {
      const map = window.atharMap;
      if (map.loaded() && map.areTilesLoaded()) { map.once('idle', resolve); map.triggerRepaint(); } else map.once('idle', resolve);
    }));
    await page.waitForFunction(() => window.atharMap && window.atharMap.loaded() && window.atharSlider, null, { timeout: 60000 });
    await idle();
    const legendOf = async (query) => {
      const stats = await (await fetch(`${base}/v1/stats?${new URLSearchParams(query)}`)).json();
      return Object.values(stats.kinds).map((k) => `${lang === 'ar' ? k.label_ar : k.label_en} (${k.incidents === null ? '–' : k.incidents})`);
    };
    const rows = () => page.$$eval('#legend .legend-row', (rs) => rs.map((r) => r.textContent));
    const same = (a, b) => a.length === b.length && b.every((row) => a.includes(row));
    const whole = await legendOf(filters);
    const before = await rows();
    check(same(before, whole), `${lang}/slider: at first the whole period's legend ${JSON.stringify(before)}`);
    check(await page.locator('#slider input[type=range]').count() === 1
      && await page.locator('#slider button').count() === 3, `${lang}/slider: a range with play and step buttons`);
    await page.focus('#slider input[type=range]');
    tiles.length = 0;
    await page.keyboard.press('Home');
    await page.waitForFunction(() => new URL(window.location.href).searchParams.get('at') === '2024-04-01', null, { timeout: 10000 });
    await idle();
    const step = { ...filters, to: '2024-04-07' };
    const expected = await legendOf(step);
    const after = await rows();
    check(same(after, expected) && !same(after, whole),
      `${lang}/slider: at the first step the legend is the week's ${JSON.stringify(after)} (expected ${JSON.stringify(expected)})`);
    const caption = await page.textContent('#caption');
    const period = lang === 'ar' ? '1–7 نيسان 2024' : '1–7 April 2024';
    check(caption.includes(period), `${lang}/slider: the caption "${caption}" is the week's`);
    check(tiles.length > 0 && tiles.every((url) => url.includes('from=2024-04-01') && url.includes('to=2024-04-07')),
      `${lang}/slider: ${tiles.length} tiles asked for the week`);
    const drawn = await page.evaluate(() => window.atharMap.queryRenderedFeatures({ layers: ['clusters', 'incidents'] }).length);
    check(drawn > 0, `${lang}/slider: ${drawn} symbols drawn for the week`);
    await page.screenshot({ path: join(out, `embed-${lang}-slider.png`) });
    // view=casualties: the tiles sized by casualties, symbols drawn.
    tiles.length = 0;
    await page.goto(`${base}/embed?lang=${lang}&view=casualties&${new URLSearchParams(filters)}`);
    await page.waitForFunction(() => window.atharMap && window.atharMap.loaded(), null, { timeout: 60000 });
    await idle();
    const sized = await page.evaluate(() => window.atharMap.queryRenderedFeatures({ layers: ['clusters', 'incidents'] }).length);
    check(sized > 0 && tiles.length > 0 && tiles.every((url) => url.includes('size=casualties')),
      `${lang}/casualties: ${sized} symbols from ${tiles.length} tiles with size=casualties ${tiles.filter((url) => !url.includes("size=casualties")).join(" ")}`);
    const top = await page.evaluate(() => window.atharMap.queryRenderedFeatures({ layers: ['top-communities'] }).length);
    check(top > 0, `${lang}/casualties: ${top} labels of the communities with the most incidents`);
    await page.screenshot({ path: join(out, `embed-${lang}-casualties.png`) });
    check(errors.length === 0, `${lang}/slider: no console errors ${errors.length ? JSON.stringify(errors) : ''}`);
    const violations = await page.evaluate(() => window.cspViolations);
    check(violations.length === 0, `${lang}/slider: no Content-Security-Policy violations ${violations.join(' ')}`);
    await page.close();
  }

  // view=hotspots: the Gi* hexagons of the demo's attacks, coloured by class, with a
  // diverging legend in the page's language; with trend=true, the emerging-hotspot
  // categories. (On the demo data the attacks give hot spots at 99 % and 95 %, no cold.)
  const classes = {
    en: ['Hot spot, 99% confidence', 'Hot spot, 95% confidence', 'Hot spot, 90% confidence', 'Not significant',
         'Cold spot, 90% confidence', 'Cold spot, 95% confidence', 'Cold spot, 99% confidence'],
    ar: ['بؤرة ساخنة، ثقة 99٪', 'بؤرة ساخنة، ثقة 95٪', 'بؤرة ساخنة، ثقة 90٪', 'غير دالة إحصائياً',
         'بؤرة باردة، ثقة 90٪', 'بؤرة باردة، ثقة 95٪', 'بؤرة باردة، ثقة 99٪'],
  };
  const values = ['hot_99', 'hot_95', 'hot_90', 'not_significant', 'cold_90', 'cold_95', 'cold_99'];
  const titles = {
    en: ['Hotspots (Getis-Ord Gi*)', 'Emerging hotspots (Getis-Ord Gi*)'],
    ar: ['البؤر الساخنة (Getis-Ord Gi*)', 'البؤر الناشئة (Getis-Ord Gi*)'],
  };
  const units = { en: 'H3 hexagons, resolution 7', ar: 'سداسيات H3، الدقة 7' };
  const popupLabels = { en: ['Incidents', 'z-score'], ar: ['الحوادث', 'الدرجة المعيارية (z)'] };
  for (const [lang, trend] of [['ar', false], ['en', false], ['ar', true]]) {
    const name = `${lang}/hotspots${trend ? '/trend' : ''}`;
    const page = await browser.newPage({ viewport: { width: 900, height: 650 } });
    await recordViolations(page);
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
    const hotspotTiles = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${base}/tiles/hotspots/`)) hotspotTiles.push(response);
    });
    const url = `${base}/embed?view=hotspots&lang=${lang}&kind=attack&resolution=7${trend ? '&trend=true' : ''}`;
    const answer = await page.goto(url);
    check(answer.status() === 200, `${name}: ${url} answers ${answer.status()}`);
    await page.waitForFunction(() => window.atharMap && window.atharMap.loaded(), null, { timeout: 120000 });
    await page.evaluate(() => new Promise((resolve) => {
      const map = window.atharMap;
      if (map.loaded() && map.areTilesLoaded()) { map.once('idle', resolve); map.triggerRepaint(); } else map.once('idle', resolve);
    }));
    const property = trend ? 'category' : 'class';
    const features = await page.evaluate((key) => window.atharMap.queryRenderedFeatures({ layers: ['hotspots'] })
      .map((f) => ({ source: f.source, value: f.properties[key], type: f.geometry.type,
                     ring: f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : [] })), property);
    const seen = [...new Set(features.map((f) => f.value))].sort();
    const hexagons = features.filter((f) => f.type === 'Polygon' && f.ring.length === 7).length;
    check(features.length > 0 && features.every((f) => f.source === 'hotspots' && typeof f.value === 'string'),
      `${name}: ${features.length} features of the hotspots source rendered, each with a ${property} (${seen.join(', ')})`);
    check(features.length > 0 && hexagons >= 0.9 * features.length, `${name}: ${hexagons} of them are hexagons (six corners)`);
    check(hotspotTiles.length > 0 && hotspotTiles.every((r) => r.url().includes('kind=attack') && r.url().includes('resolution=7')
      && r.url().includes('trend=true') === trend), `${name}: ${hotspotTiles.length} hotspot tiles asked with the filters and parameters`);
    const hot = features.filter((f) => (trend ? ['new', 'consecutive', 'intensifying', 'persistent'] : ['hot_99', 'hot_95', 'hot_90']).includes(f.value));
    check(hot.length > 0, `${name}: ${hot.length} hot units on the map (${[...new Set(hot.map((f) => f.value))].join(', ')})`);
    if (!trend) check(features.every((f) => values.includes(f.value)), `${name}: every class is one of the seven`);
    const places = await page.evaluate(() => window.atharMap.queryRenderedFeatures({ layers: ['places'] }).length);
    check(places > 0, `${name}: ${places} places of the basemap rendered over the hexagons`);
    const layers = await page.evaluate(() => window.atharMap.getStyle().layers.map((l) => l.id));
    check(!layers.includes('incidents') && layers.indexOf('hotspots') < layers.indexOf('places'),
      `${name}: layers ${layers.join(', ')}`);

    // The legend: its title, its rows, what was analysed, in the page's language.
    // (Latin names and dates in Arabic text are isolated by invisible LRI … PDI.)
    const legend = await page.evaluate(() => {
      const element = document.getElementById('legend');
      const text = (node) => node?.textContent.replace(/[\u2066-\u2069]/g, '');
      return {
        title: text(element.querySelector('.legend-title')),
        rows: [...element.querySelectorAll('.legend-row')].map(text),
        notes: [...element.querySelectorAll('.legend-note')].map(text),
        direction: getComputedStyle(element).direction,
        page: document.documentElement.dir,
      };
    });
    const dir = lang === 'ar' ? 'rtl' : 'ltr';
    check(legend.page === dir && legend.direction === dir, `${name}: page and legend direction ${legend.page}, ${legend.direction}`);
    check(legend.title === titles[lang][trend ? 1 : 0], `${name}: legend title "${legend.title}"`);
    if (trend) {
      const expected = lang === 'ar' ? ['بؤرة ساخنة جديدة', 'بلا نمط'] : ['New hot spot', 'No pattern'];
      check(expected.every((label) => legend.rows.includes(label)), `${name}: legend rows ${JSON.stringify(legend.rows)}`);
    } else {
      check(JSON.stringify(legend.rows) === JSON.stringify(classes[lang]), `${name}: the seven legend rows ${JSON.stringify(legend.rows)}`);
    }
    check(legend.notes[0] === units[lang] && legend.notes.length >= 2, `${name}: legend notes ${JSON.stringify(legend.notes)}`);
    check(await page.locator('#download-png, #download-pdf').count() === 0, `${name}: no "Download map" links (the static maps draw no hotspots)`);
    await page.screenshot({ path: join(out, `embed-${lang}-hotspots${trend ? '-trend' : ''}.png`) });

    // A click on a hot hexagon (where nothing covers the map) opens a popup in the page's
    // language with its class, count and z-score (or category).
    const target = await page.evaluate((values) => {
      const map = window.atharMap;
      const rect = map.getCanvas().getBoundingClientRect();
      for (const feature of map.queryRenderedFeatures({ layers: ['hotspots'] })) {
        if (!values.includes(feature.properties.class ?? feature.properties.category)) continue;
        const ring = feature.geometry.coordinates[0].slice(0, -1);
        const centre = [ring.reduce((sum, p) => sum + p[0], 0) / ring.length, ring.reduce((sum, p) => sum + p[1], 0) / ring.length];
        const point = map.project(centre);
        const [x, y] = [rect.left + point.x, rect.top + point.y];
        if (document.elementFromPoint(x, y) === map.getCanvas()) return { x, y, properties: feature.properties };
      }
      return null;
    }, trend ? ['new'] : ['hot_99', 'hot_95']);
    check(target !== null, `${name}: a hot hexagon to click`);
    if (target) {
      await page.mouse.click(target.x, target.y);
      await page.waitForSelector('.maplibregl-popup-content', { timeout: 10000 }).catch(() => null);
      const popup = (await page.textContent('.maplibregl-popup-content').catch(() => '')) || '';
      const expected = trend
        ? [lang === 'ar' ? 'بؤرة ساخنة جديدة' : 'New hot spot']
        : [classes[lang][values.indexOf(target.properties.class)], ...popupLabels[lang], Number(target.properties.gi_z).toFixed(2)];
      check(expected.every((text) => popup.includes(text)), `${name}: popup "${popup}"`);
      await page.screenshot({ path: join(out, `embed-${lang}-hotspots${trend ? '-trend' : ''}-popup.png`) });
    }
    const violations = await page.evaluate(() => window.cspViolations);
    check(errors.length === 0 && violations.length === 0,
      `${name}: no console errors or Content-Security-Policy violations ${JSON.stringify([...errors, ...violations])}`);
    check(offsite.length === 0, `${name}: nothing fetched from outside Athar ${offsite.join(' ')}`);
    await page.close();
  }

  // A published month (made by the test, titled "April 2024"): the page names it in its
  // language, and its tiles and download links carry it.
  if (release) {
    for (const lang of ['ar', 'en']) {
      const name = `${lang}/release`;
      const page = await browser.newPage({ viewport: { width: 900, height: 650 } });
      const tiles = [];
      page.on('response', (response) => {
        if (response.url().startsWith(`${base}/tiles/incidents/`)) tiles.push(response.url());
      });
      const answer = await page.goto(`${base}/embed?release=${release}&lang=${lang}`);
      check(answer.status() === 200, `${name}: /embed?release=${release} answers ${answer.status()}`);
      await page.waitForFunction(() => window.atharMap && window.atharMap.loaded(), null, { timeout: 120000 });
      const said = (await page.locator('header .release').textContent()).replace(/[\u2066-\u2069]/g, '');
      const expected = lang === 'ar' ? 'بيانات منشورة: April 2024، صدرت في ' : 'Published data: April 2024, released ';
      check(said.startsWith(expected) && /\d{4}-\d{2}-\d{2}$/.test(said), `${name}: the page says "${said}"`);
      const href = await page.locator('#download-png').getAttribute('href');
      check(href.includes(`release=${release}`), `${name}: the PNG download carries the release (${href})`);
      check(tiles.length > 0 && tiles.every((url) => url.includes(`release=${release}`)),
        `${name}: ${tiles.length} incident tiles asked for the release`);
      await page.screenshot({ path: join(out, `embed-${lang}-release.png`) });
      await page.close();
    }
  } else {
    check(false, 'no release to open: pass its id as the third argument');
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('every check passed');
