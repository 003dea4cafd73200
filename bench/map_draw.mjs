// map_draw.mjs URL POINTS: the page's vibe map in headless Chromium (puppeteer-core from
// build/npm): seconds from opening the page to all POINTS drawn, and the time per redraw while
// zooming (a wheel event, then the next two animation frames), median and p95 of 30.
// Prints key=value lines for bench/serve.sh.
import path from 'node:path';
import { createRequire } from 'node:module';

const [url, pointsArg, npmDir, profile] = process.argv.slice(2);
const require = createRequire(path.join(npmDir, 'package.json'));
const puppeteer = require('puppeteer-core');
const points = Number(pointsArg);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, userDataDir: profile,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const t0 = Date.now();
  await page.goto(`${url}/`);
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="map"]').dataset.points) === n,
    { timeout: 600000, polling: 100 }, points);
  const load = (Date.now() - t0) / 1000;
  const frames = await page.evaluate(async () => {
    const c = document.querySelector('[data-testid="map"]');
    const r = c.getBoundingClientRect();
    const t = [];
    for (let i = 0; i < 30; i++) {
      const s = performance.now();
      c.dispatchEvent(new WheelEvent('wheel', { deltaY: i < 15 ? -60 : 60, clientX: r.left + r.width / 2,
        clientY: r.top + r.height / 2, bubbles: true, cancelable: true }));
      await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
      t.push(performance.now() - s);
    }
    return t.sort((a, b) => a - b);
  });
  console.log(`map_load_s=${load.toFixed(2)}\nredraw_median_ms=${frames[15].toFixed(1)}\nredraw_p95_ms=${frames[28].toFixed(1)}`);
} finally {
  await browser.close();
}
