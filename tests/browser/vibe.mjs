// The vibe browser in a real browser (Debian's chromium, driven by puppeteer-core).
// Run by tests/cli/browser_noasan.sh, which starts `samplevec serve` on a demo library with
// audio and writes what the CLI answers for the same queries into $EXPECT_DIR:
//   search.json   search "dusty jazz chords" -k 30 --json
//   similar.json  similar <first id of search.json> -k 30 --json
//   bpm.json      search "dusty jazz chords" -k 30 --bpm 80-100 --json
//   genre.json    search "dusty jazz chords" -k 30 --bpm 80-100 --genre $GENRE --json
// Test contract (data-testid): query, result (data-sample-id, rank order), play, similar,
// bpm-min, bpm-max, key, genre, mood, map (data-points).
// Prints "N passed, N failed"; exit 1 on any failure.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.NPM_DIR, 'package.json'));
const puppeteer = require('puppeteer-core');

const url = process.env.URL;                  // http://127.0.0.1:PORT
const expectDir = process.env.EXPECT_DIR;
const shots = process.env.SHOT_DIR;
const genre = process.env.GENRE;
const embedded = Number(process.env.EMBEDDED);
let passed = 0, failed = 0;
function check(ok, what, detail) {
  if (ok) passed++;
  else { failed++; console.error(`FAIL: ${what}${detail ? `: ${detail}` : ''}`); }
}
// search --json is an object with the results in .results; similar --json the array itself
const ids = (file) => {
  const answer = JSON.parse(fs.readFileSync(path.join(expectDir, file), 'utf8'));
  return (Array.isArray(answer) ? answer : answer.results).map((h) => h.sample_id);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function pageIds(page) {
  return page.$$eval('[data-testid="result"]', (rows) => rows.map((r) => Number(r.dataset.sampleId)));
}
// Waits until the page shows exactly want (ids in rank order), up to 20 s.
async function expectIds(page, want, what) {
  let got = [];
  for (let i = 0; i < 200; i++) {
    got = await pageIds(page);
    if (JSON.stringify(got) === JSON.stringify(want)) break;
    await sleep(100);
  }
  check(want.length > 0, `${what}: the CLI found something to compare`);
  check(JSON.stringify(got) === JSON.stringify(want), `${what}: page ids = CLI ids`,
    `page ${JSON.stringify(got)} vs CLI ${JSON.stringify(want)}`);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  userDataDir: process.env.PROFILE_DIR,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const consoleErrors = [], foreign = [], audioResponses = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(`${url}/`) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('response', (r) => {
    if (/\/audio\/\d+$/.test(new URL(r.url()).pathname))
      audioResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] || '' });
  });

  await page.goto(`${url}/`, { waitUntil: 'networkidle0' });
  check(await page.$('[data-testid="query"]') !== null, 'the search box is there');

  // the map draws every embedded sample
  let points = 0;
  for (let i = 0; i < 600 && points !== embedded; i++) { // the layout may still be running
    points = Number(await page.$eval('[data-testid="map"]', (c) => c.dataset.points));
    if (points !== embedded) await sleep(200);
  }
  check(points === embedded, 'the map draws every embedded sample', `${points} of ${embedded}`);

  // typing searches as you type; the ids are the CLI's
  await page.type('[data-testid="query"]', 'dusty jazz chords');
  await expectIds(page, ids('search.json'), 'search');

  // keyboard: the arrow moves the selection
  await page.keyboard.press('ArrowDown');
  const sel = await page.$$eval('[data-testid="result"]', (rows) => rows.findIndex((r) => r.classList.contains('selected')));
  check(sel === 1, 'ArrowDown selects the second result', `selected ${sel}`);
  await page.screenshot({ path: path.join(shots, 'desktop.png') });

  // play: fetches /audio/ID as audio and the audio plays
  await page.evaluate(() => {
    const p = document.getElementById('player');
    window.__audio = { playing: false, time: 0, ended: false };
    p.addEventListener('playing', () => { window.__audio.playing = true; });
    p.addEventListener('timeupdate', () => { window.__audio.time = Math.max(window.__audio.time, p.currentTime); });
    p.addEventListener('ended', () => { window.__audio.ended = true; });
  });
  const first = ids('search.json')[0];
  await page.click(`[data-testid="result"][data-sample-id="${first}"] [data-testid="play"]`);
  let audio = null;
  for (let i = 0; i < 100; i++) {
    audio = await page.evaluate(() => window.__audio);
    if (audio.playing && (audio.time > 0 || audio.ended)) break;
    await sleep(100);
  }
  const fetched = audioResponses.filter((r) => r.url.endsWith(`/audio/${first}`) && [200, 206].includes(r.status));
  check(fetched.length > 0, `play fetched /audio/${first} with 200 or 206`, JSON.stringify(audioResponses));
  check(fetched.every((r) => r.type.startsWith('audio/')), 'as audio/*', JSON.stringify(fetched));
  check(audio && audio.playing && (audio.time > 0 || audio.ended), 'the audio plays', JSON.stringify(audio));

  // more like this = similar
  await page.click(`[data-testid="result"][data-sample-id="${first}"] [data-testid="similar"]`);
  await expectIds(page, ids('similar.json'), 'more like this');

  // back to the query, then BPM filters
  await page.click('[data-testid="query"]', { clickCount: 3 });
  await page.type('[data-testid="query"]', 'dusty jazz chords');
  await page.keyboard.press('Enter');
  await expectIds(page, ids('search.json'), 'search again');
  await page.type('[data-testid="bpm-min"]', '80');
  await page.type('[data-testid="bpm-max"]', '100');
  await expectIds(page, ids('bpm.json'), 'search with BPM 80-100');
  const readAs = await page.$eval('#understood', (e) => e.textContent);
  check(readAs.includes('BPM 80–100 (from the filter)') && !readAs.includes('--bpm'),
        'the read-as line names the BPM filter as the page\'s, not as a CLI flag', readAs);
  await page.select('[data-testid="genre"]', genre);
  await expectIds(page, ids('genre.json'), `search with BPM 80-100 and genre ${genre}`);
  const chips = await page.$$eval('.chip', (c) => c.map((x) => x.textContent));
  check(chips.some((c) => c.includes('BPM 80')) && chips.some((c) => c.includes(genre)), 'filters are shown as chips', JSON.stringify(chips));
  for (const id of ['key', 'mood']) {
    const options = await page.$$eval(`[data-testid="${id}"] option`, (o) => o.length);
    check(options > 1, `the ${id} filter offers the library's values`, `${options} options`);
  }

  // phone width and dark theme
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  await sleep(300);
  await page.screenshot({ path: path.join(shots, 'phone.png'), fullPage: false });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'no sideways scrolling at phone width', `${overflow}px too wide`);
  await page.setViewport({ width: 1280, height: 800 });
  await page.click('#theme');
  await sleep(300);
  check(await page.evaluate(() => document.documentElement.dataset.theme) === 'dark', 'the theme button switches to dark');
  await page.screenshot({ path: path.join(shots, 'dark.png') });

  check(consoleErrors.length === 0, 'no console errors', JSON.stringify(consoleErrors));
  check(foreign.length === 0, 'no request leaves the server', JSON.stringify(foreign));
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
