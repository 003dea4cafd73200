// samplevec vibe browser: search as you type, filters, audio preview, the vibe map.
// Talks only to the server that served it (docs/serve.md); no library, no build step.
'use strict';

const K = 30; // results per query
const $ = (id) => document.getElementById(id);

const state = {
  results: [],        // the hits of the last answer, in rank order
  selected: -1,       // index into results
  similarTo: null,    // {id, title} while showing "more like this"
  playingId: null,
  facets: null,
  seq: 0,             // answers to older requests are dropped
  map: null,          // {ids: Int32Array|Float64Array, x: Float32Array, y: Float32Array, genre: [], title: [], colour: []}
  details: new Map(), // sample_id -> /samples/ID answer (or {error})
};

// ---------- small helpers ----------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await r.json(); } catch (_) { body = null; }
  if (!r.ok) {
    const msg = body && body.error ? body.error : `${r.status} ${r.statusText}`;
    const e = new Error(msg);
    e.status = r.status;
    throw e;
  }
  return body;
}

function notice(text) {
  const n = $('notice');
  n.textContent = text || '';
  n.hidden = !text;
}

function fmtBpm(b) { return b === null || b === undefined ? '–' : `${Math.round(b)} BPM`; }

// Stable colours for genres: evenly spaced hues, in the order /facets lists them.
const genreColours = new Map();
function colourOf(genre) {
  const g = (genre || '').toLowerCase();
  if (!genreColours.has(g)) {
    const i = genreColours.size;
    const hue = (i * 137.508) % 360; // golden angle: neighbours in the list differ most
    genreColours.set(g, g ? `hsl(${hue.toFixed(0)} 70% 52%)` : 'hsl(0 0% 60%)');
  }
  return genreColours.get(g);
}

// ---------- markdown (the vibe description is markdown) ----------

function escapeHTML(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
function inlineMd(s) {
  return escapeHTML(s)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}
// Headings, lists, paragraphs, bold, italic, code: the subset analyses use. Text is escaped
// first, so nothing from the library becomes markup.
function renderMarkdown(md) {
  const out = [];
  let list = null, para = [];
  const flushPara = () => { if (para.length) { out.push(`<p>${inlineMd(para.join(' '))}</p>`); para = []; } };
  const flushList = () => { if (list) { out.push(`<ul>${list.map((i) => `<li>${inlineMd(i)}</li>`).join('')}</ul>`); list = null; } };
  for (const raw of md.split(/\r?\n/)) {
    const line = raw.trim();
    let m;
    if (!line) { flushPara(); flushList(); continue; }
    if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      flushPara(); flushList();
      const level = Math.min(4, m[1].length + 2);
      out.push(`<h${level}>${inlineMd(m[2])}</h${level}>`);
    } else if ((m = /^[-*+]\s+(.*)$/.exec(line)) || (m = /^\d+[.)]\s+(.*)$/.exec(line))) {
      flushPara();
      (list = list || []).push(m[1]);
    } else {
      flushList();
      para.push(line);
    }
  }
  flushPara(); flushList();
  return out.join('');
}

// ---------- theme ----------

function applyTheme(t) {
  document.documentElement.dataset.theme = t;
  if (state.map) drawMap();
}
function initTheme() {
  let saved = null;
  try { saved = localStorage.getItem('samplevec-theme'); } catch (_) { /* storage off */ }
  const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  applyTheme(saved || (dark ? 'dark' : 'light'));
  $('theme').addEventListener('click', () => {
    const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try { localStorage.setItem('samplevec-theme', t); } catch (_) { /* storage off */ }
    applyTheme(t);
  });
}

// ---------- filters ----------

function filterParams() {
  const p = new URLSearchParams();
  const lo = $('bpm-min').value.trim(), hi = $('bpm-max').value.trim();
  if (lo || hi) p.set('bpm', `${lo}-${hi}`);
  for (const f of ['key', 'genre', 'mood']) if ($(f).value) p.set(f, $(f).value);
  return p;
}

function renderChips() {
  const chips = $('chips');
  chips.textContent = '';
  const add = (label, clear) => chips.append(el('span', { class: 'chip' }, label,
    el('button', { type: 'button', title: `Remove ${label}`, 'aria-label': `Remove ${label}`, onclick: () => { clear(); renderChips(); runQuery(); } }, '×')));
  const lo = $('bpm-min').value.trim(), hi = $('bpm-max').value.trim();
  if (lo || hi) add(`BPM ${lo || '…'}–${hi || '…'}`, () => { $('bpm-min').value = ''; $('bpm-max').value = ''; });
  for (const f of ['key', 'genre', 'mood']) if ($(f).value) add(`${f}: ${$(f).value}`, () => { $(f).value = ''; });
  if (state.similarTo) add(`like: ${state.similarTo.title}`, () => { state.similarTo = null; });
}

function fillSelect(id, items) {
  const s = $(id);
  for (const it of items) s.append(el('option', { value: it.value, text: `${it.value} (${it.count})` }));
}

async function loadFacets() {
  try {
    state.facets = await getJSON('/facets');
    fillSelect('key', state.facets.keys);
    fillSelect('genre', state.facets.genres);
    fillSelect('mood', state.facets.moods);
    for (const g of state.facets.genres) colourOf(g.value);
  } catch (e) {
    notice(`Filters unavailable: ${e.message}`);
  }
}

// ---------- queries ----------

let debounce = null;
function scheduleQuery(delay) {
  clearTimeout(debounce);
  debounce = setTimeout(runQuery, delay);
}

async function runQuery() {
  clearTimeout(debounce);
  renderChips();
  const text = $('query').value.trim();
  const params = filterParams();
  params.set('k', String(K));
  let url;
  if (state.similarTo) {
    url = `/similar/${state.similarTo.id}?${params}`;
  } else if (text) {
    params.set('q', text);
    url = `/search?${params}`;
  } else {
    showResults([], null, 'Type to search the library');
    return;
  }
  const seq = ++state.seq;
  document.body.classList.add('busy');
  try {
    const answer = await getJSON(url);
    if (seq !== state.seq) return;
    // /search answers {query, mode, fusion, understood, note, results}; /similar an array.
    const hits = Array.isArray(answer) ? answer : (answer.results || []);
    notice('');
    showResults(hits, Array.isArray(answer) ? null : answer,
      state.similarTo ? `More like “${state.similarTo.title}”` : `Results for “${text}”`);
  } catch (e) {
    if (seq !== state.seq) return;
    showResults([], null, 'No results');
    notice(e.message);
  } finally {
    if (seq === state.seq) document.body.classList.remove('busy');
  }
}

// How the server read the query (search's "understood"), in words: nothing about it is silent.
// Where a parsed value came from, in the page's words: the API names a filter by the CLI flag
// that would set it ("--bpm", "--key"); on the page that is the filter the user set.
function fromWhere(from) {
  if (!from) return '';
  return from.startsWith('--') ? ' (from the filter)' : ` (from “${from}”)`;
}

function showUnderstood(u, answer) {
  const box = $('understood');
  if (!u || typeof u !== 'object') { box.hidden = true; return; }
  const parts = [];
  if (u.text) parts.push(`words “${u.text}”`);
  if (u.literal) parts.push('literal');
  if (u.bpm) {
    const range = u.bpm.max === null ? `${u.bpm.min}+` : u.bpm.min === u.bpm.max ? `${u.bpm.min}` : `${u.bpm.min}–${u.bpm.max}`;
    parts.push(`BPM ${range}${u.bpm.halftime ? ' or half/double' : ''}${fromWhere(u.bpm.from)}`);
  }
  if (u.key) parts.push(`key ${(u.key.keys || [u.key.key]).join(', ')}${fromWhere(u.key.from)}`);
  if (u.genres && u.genres.length) parts.push(`genre ${u.genres.join(', ')}`);
  if (u.moods && u.moods.length) parts.push(`mood ${u.moods.join(', ')}`);
  if (answer && answer.mode) parts.push(answer.mode + (answer.fusion ? `, ${answer.fusion} fusion` : ''));
  if (answer && answer.note) parts.push(answer.note);
  box.textContent = `Read as: ${parts.join(' · ')}`;
  box.hidden = parts.length === 0;
}

function showResults(hits, answer, title) {
  state.results = hits;
  state.selected = -1;
  showUnderstood(answer ? answer.understood : null, answer);
  $('results-title').textContent = title;
  $('results-count').textContent = hits.length ? `${hits.length} shown` : '';
  const list = $('results');
  list.textContent = '';
  hits.forEach((h, i) => list.append(resultRow(h, i)));
  if (hits.length) select(0, false);
  else $('detail').replaceChildren(el('p', { class: 'muted', text: 'Select a result to see its full description.' }));
  drawMap();
}

function resultRow(h, i) {
  const sim = Math.max(0, Math.min(1, h.similarity));
  const bar = el('span', { class: 'simbar', title: `similarity ${h.similarity.toFixed(3)}` }, el('i'));
  bar.firstChild.style.width = `${(sim * 100).toFixed(1)}%`;
  const wave = el('canvas', { class: 'wave', width: 96, height: 24, 'aria-hidden': 'true' });
  const energy = el('span', { class: 'energy' });
  const missing = el('span', { class: 'missing', hidden: true, text: 'file not found' });
  const row = el('li', {
    class: 'result', 'data-testid': 'result', 'data-sample-id': h.sample_id, draggable: 'true',
    onclick: (e) => { if (!e.target.closest('button')) select(i, true); },
    ondragstart: (e) => dragOut(e, h),
  },
  el('span', { class: 'rank', text: String(i + 1) }),
  el('span', { class: 'title', title: h.title || '', text: h.title || `sample ${h.sample_id}` }),
  el('span', { class: 'actions' },
    wave,
    el('button', { type: 'button', 'data-testid': 'play', title: 'Play (space)', onclick: () => { select(i, false); togglePlay(h.sample_id); } }, '▶ play'),
    el('button', { type: 'button', 'data-testid': 'similar', title: 'More like this', onclick: () => moreLike(h) }, 'more like this'),
    el('button', { type: 'button', title: 'Copy the file path', onclick: () => copyPath(h.sample_id) }, 'copy path')),
  el('span', { class: 'meta' },
    el('span', { text: h.genre || '–' }), el('span', { text: fmtBpm(h.bpm) }),
    el('span', { text: h.musical_key || '–' }), el('span', { text: h.mood_primary || '–' }),
    energy, bar, missing));
  row.waveCanvas = wave;
  row.energyEl = energy;
  row.missingEl = missing;
  decorate(row, h.sample_id);
  return row;
}

// Energy (from /samples/ID) and the waveform (from the audio itself), after the row is shown.
async function decorate(row, id) {
  const d = await sampleDetail(id);
  if (d && !d.error && d.energy_level !== null && d.energy_level !== undefined)
    row.energyEl.textContent = `energy ${Number(d.energy_level).toFixed(2)}`;
  if (!d || d.error || !d.file_path) return;
  try {
    const r = await fetch(`/audio/${id}`);
    if (r.status === 404) { row.missingEl.hidden = false; return; }
    if (!r.ok) return;
    const buf = await r.arrayBuffer();
    const ctx = new OfflineAudioContext(1, 1, 22050);
    const audio = await ctx.decodeAudioData(buf);
    drawWave(row.waveCanvas, audio.getChannelData(0));
  } catch (_) {
    // a format this browser cannot decode: no thumbnail, playing may still work
  }
}

function drawWave(canvas, data) {
  const g = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, step = Math.max(1, Math.floor(data.length / w));
  g.clearRect(0, 0, w, h);
  g.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--bar').trim() || '#f08c4a';
  for (let x = 0; x < w; x++) {
    let lo = 0, hi = 0;
    for (let i = x * step, end = Math.min(data.length, i + step); i < end; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const y0 = (1 - hi) * h / 2, y1 = (1 - lo) * h / 2;
    g.fillRect(x, y0, 1, Math.max(1, y1 - y0));
  }
}

async function sampleDetail(id) {
  if (!state.details.has(id)) {
    state.details.set(id, getJSON(`/samples/${id}`).catch((e) => ({ error: e.message })));
  }
  return state.details.get(id);
}

function select(i, scroll) {
  const rows = $('results').children;
  if (i < 0 || i >= rows.length) return;
  if (state.selected >= 0 && rows[state.selected]) rows[state.selected].classList.remove('selected');
  state.selected = i;
  rows[i].classList.add('selected');
  if (scroll) rows[i].scrollIntoView({ block: 'nearest' });
  showDetail(state.results[i]);
  drawMap();
}

async function showDetail(h) {
  const box = $('detail');
  const id = h.sample_id;
  box.replaceChildren(el('h2', { text: h.title || `sample ${id}` }), el('p', { class: 'muted', text: 'Loading…' }));
  const d = await sampleDetail(id);
  if (!state.results[state.selected] || state.results[state.selected].sample_id !== id) return;
  if (d.error) { box.replaceChildren(el('h2', { text: h.title || `sample ${id}` }), el('p', { class: 'muted', text: d.error })); return; }
  const facts = el('div', { class: 'facts' },
    el('span', { text: `#${id}` }), el('span', { text: d.genre || '–' }), el('span', { text: fmtBpm(d.bpm) }),
    el('span', { text: d.musical_key || '–' }),
    el('span', { text: [d.mood_primary, d.mood_secondary].filter(Boolean).join(', ') || '–' }),
    d.energy_level !== null ? el('span', { text: `energy ${Number(d.energy_level).toFixed(2)}` }) : null,
    el('span', { text: `similarity ${h.similarity.toFixed(3)}` }));
  const desc = el('div', { class: 'desc' });
  if (d.description) desc.innerHTML = renderMarkdown(d.description);
  else desc.append(el('p', { class: 'muted', text: 'No vibe analysis for this sample.' }));
  const tags = [...(d.texture_tags || []), ...(d.tags || [])];
  box.replaceChildren(...[
    el('h2', { text: d.title || `sample ${id}` }), facts,
    tags.length ? el('p', { class: 'muted', text: tags.join(' · ') }) : null,
    desc,
    d.file_path ? el('p', { class: 'path', text: d.file_path }) : null,
    el('details', {}, el('summary', { text: 'Source text (what was embedded)' }), el('pre', { text: d.source_text || '' }))].filter(Boolean));
}

function moreLike(h) {
  state.similarTo = { id: h.sample_id, title: h.title || `sample ${h.sample_id}` };
  runQuery();
}

async function copyPath(id) {
  const d = await sampleDetail(id);
  if (!d || d.error || !d.file_path) { notice('This sample names no file.'); return; }
  try {
    await navigator.clipboard.writeText(d.file_path);
    notice('');
  } catch (_) {
    const t = el('textarea', {}, d.file_path);
    document.body.append(t);
    t.select();
    document.execCommand('copy');
    t.remove();
  }
}

// Chrome's DownloadURL drag type: dropping a result on a folder or a DAW saves the file.
function dragOut(e, h) {
  const url = new URL(`/audio/${h.sample_id}`, location.href).href;
  const d = state.details.get(h.sample_id);
  e.dataTransfer.setData('text/uri-list', url);
  e.dataTransfer.setData('text/plain', url);
  e.dataTransfer.effectAllowed = 'copy';
  const name = `${(h.title || `sample-${h.sample_id}`).replace(/[\\/:*?"<>|]+/g, '_')}.wav`;
  e.dataTransfer.setData('DownloadURL', `audio/wav:${name}:${url}`);
  if (d && typeof d.then === 'function') return;
}

// ---------- audio ----------

function playButtons(id) {
  return document.querySelectorAll(`.result[data-sample-id="${id}"] [data-testid="play"]`);
}

function setPlaying(id) {
  if (state.playingId !== null) for (const b of playButtons(state.playingId)) { b.classList.remove('playing'); b.textContent = '▶ play'; }
  state.playingId = id;
  if (id !== null) for (const b of playButtons(id)) { b.classList.add('playing'); b.textContent = '■ stop'; }
}

function togglePlay(id) {
  const player = $('player');
  if (state.playingId === id && !player.paused) { player.pause(); setPlaying(null); return; }
  player.src = `/audio/${id}`;
  setPlaying(id);
  player.play().catch((e) => {
    setPlaying(null);
    if (e.name !== 'AbortError') notice(`Cannot play sample ${id}: file not found or not playable`);
  });
}

function initPlayer() {
  const player = $('player');
  player.addEventListener('ended', () => setPlaying(null));
  player.addEventListener('error', () => {
    const id = state.playingId;
    setPlaying(null);
    if (id !== null) {
      const row = document.querySelector(`.result[data-sample-id="${id}"]`);
      if (row && row.missingEl) row.missingEl.hidden = false;
    }
  });
}

// ---------- keyboard ----------

function initKeys() {
  document.addEventListener('keydown', (e) => {
    const typing = e.target.matches('input, select, textarea');
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (e.target.matches('select, input[type=number]')) return;
      if (!state.results.length) return;
      e.preventDefault();
      const next = state.selected + (e.key === 'ArrowDown' ? 1 : -1);
      select(Math.max(0, Math.min(state.results.length - 1, next)), true);
    } else if (e.key === ' ' && !typing) {
      if (state.selected < 0) return;
      e.preventDefault();
      togglePlay(state.results[state.selected].sample_id);
    } else if (e.key === 'Escape') {
      $('player').pause();
      setPlaying(null);
    } else if (e.key === '/' && !typing) {
      e.preventDefault();
      $('query').focus();
    }
  });
}

// ---------- the vibe map ----------

const view = { scale: 1, ox: 0, oy: 0 }; // screen = (world * scale) + offset, in CSS pixels
let mapGrid = null; // spatial hash for hover: cell -> indexes

async function loadMap() {
  const status = $('map-status');
  for (;;) {
    let s;
    try {
      s = await getJSON('/map/status');
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    if (s.state === 'ready') break;
    status.textContent = s.state === 'computing'
      ? `computing the map of ${s.points || ''} samples… ${Math.round((s.progress || 0) * 100)}%`
      : s.error || s.state;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const pts = await getJSON('/map');
  const n = pts.length;
  const m = { n, ids: new Float64Array(n), x: new Float32Array(n), y: new Float32Array(n), genre: new Array(n), title: new Array(n), index: new Map() };
  let minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
  pts.forEach((p, i) => {
    m.ids[i] = p.sample_id; m.x[i] = p.x; m.y[i] = p.y; m.genre[i] = p.genre || ''; m.title[i] = p.title || '';
    m.index.set(p.sample_id, i);
    if (p.x < minx) minx = p.x; if (p.x > maxx) maxx = p.x;
    if (p.y < miny) miny = p.y; if (p.y > maxy) maxy = p.y;
  });
  m.bounds = { minx, maxx, miny, maxy };
  // Points grouped by colour: one fillStyle per genre keeps 100,000 points to a few ms.
  const groups = new Map();
  for (let i = 0; i < n; i++) {
    const c = colourOf(m.genre[i]);
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c).push(i);
  }
  m.groups = [...groups.entries()].map(([c, idx]) => [c, Int32Array.from(idx)]);
  state.map = m;
  status.textContent = `${n.toLocaleString()} samples`;
  renderLegend();
  resetView();
}

function renderLegend() {
  const lg = $('legend');
  lg.textContent = '';
  const seen = new Set();
  const genres = state.facets ? state.facets.genres.map((g) => g.value) : [];
  for (const g of genres.slice(0, 14)) {
    if (seen.has(g.toLowerCase())) continue;
    seen.add(g.toLowerCase());
    const s = el('span', { text: g });
    s.style.setProperty('--dot', colourOf(g));
    lg.append(s);
  }
}

function canvasSize() {
  const c = $('map');
  const r = c.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
  if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  return { w: r.width, h: r.height, dpr };
}

function resetView() {
  const m = state.map;
  if (!m) return;
  const { w, h } = canvasSize();
  const bw = (m.bounds.maxx - m.bounds.minx) || 1, bh = (m.bounds.maxy - m.bounds.miny) || 1;
  view.scale = 0.92 * Math.min(w / bw, h / bh);
  view.ox = w / 2 - view.scale * (m.bounds.minx + bw / 2);
  view.oy = h / 2 - view.scale * (m.bounds.miny + bh / 2);
  buildGrid();
  drawMap();
}

let drawPending = false;
function drawMap() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; paintMap(); });
}

// "hsl(H S% L%)" or "#rrggbb" or "rgb(r, g, b)" → [r, g, b].
function rgbOf(css) {
  let m;
  if ((m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(css))) return [1, 2, 3].map((i) => parseInt(m[i], 16));
  if ((m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css))) return [1, 2, 3].map((i) => Number(m[i]));
  if ((m = /^hsl\(([\d.]+)\s+([\d.]+)%\s+([\d.]+)%\)/.exec(css))) {
    const h = Number(m[1]) / 360, sat = Number(m[2]) / 100, l = Number(m[3]) / 100;
    const q = l < 0.5 ? l * (1 + sat) : l + sat - l * sat, p = 2 * l - q;
    const f = (t) => {
      t = (t + 1) % 1;
      if (t < 1 / 6) return p + (q - p) * 6 * t;
      if (t < 1 / 2) return q;
      if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
      return p;
    };
    return [f(h + 1 / 3), f(h), f(h - 1 / 3)].map((v) => Math.round(v * 255));
  }
  return [128, 128, 128];
}

let mapImage = null; // ImageData reused while the canvas keeps its size

// Every point is written straight into one ImageData (a few pixels each, colours pre-blended
// with the background): 100,000 points cost a loop over a typed array and one putImageData,
// where 100,000 fillRect calls cost tens of milliseconds. The results are drawn on top.
function paintMap() {
  const c = $('map');
  const m = state.map;
  const { dpr } = canvasSize();
  const g = c.getContext('2d');
  g.setTransform(1, 0, 0, 1, 0, 0);
  if (!m) { g.clearRect(0, 0, c.width, c.height); return; }
  const W = c.width, H = c.height;
  if (!mapImage || mapImage.width !== W || mapImage.height !== H) mapImage = g.createImageData(W, H);
  const px = new Uint32Array(mapImage.data.buffer);
  const root = getComputedStyle(document.documentElement);
  const bg = rgbOf(root.getPropertyValue('--map-bg').trim());
  const pack = (r, gg, b) => (255 << 24) | (b << 16) | (gg << 8) | r; // little-endian RGBA
  px.fill(pack(bg[0], bg[1], bg[2]));
  const alpha = state.results.length ? 0.35 : 0.85;
  const size = Math.max(1, Math.round((m.n > 20000 ? 1.5 : m.n > 5000 ? 2.2 : 3) * dpr));
  const s = view.scale * dpr, ox = view.ox * dpr, oy = view.oy * dpr;
  let drawn = 0;
  for (const [colour, idx] of m.groups) {
    const rgb = rgbOf(colour);
    const v = pack(...rgb.map((x, k) => Math.round(x * alpha + bg[k] * (1 - alpha))));
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const x0 = Math.round(m.x[i] * s + ox - size / 2), y0 = Math.round(m.y[i] * s + oy - size / 2);
      drawn++;
      if (x0 + size <= 0 || y0 + size <= 0 || x0 >= W || y0 >= H) continue;
      for (let yy = Math.max(0, y0); yy < Math.min(H, y0 + size); yy++) {
        const row = yy * W;
        for (let xx = Math.max(0, x0); xx < Math.min(W, x0 + size); xx++) px[row + xx] = v;
      }
    }
  }
  g.putImageData(mapImage, 0, 0);
  // The current results on top, ringed; the selected one larger.
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  const ink = root.getPropertyValue('--ink').trim();
  state.results.forEach((r, rank) => {
    const i = m.index.get(r.sample_id);
    if (i === undefined) return;
    const sx = m.x[i] * view.scale + view.ox, sy = m.y[i] * view.scale + view.oy;
    const sel = rank === state.selected;
    g.beginPath();
    g.arc(sx, sy, sel ? 7 : 4.5, 0, Math.PI * 2);
    g.fillStyle = colourOf(m.genre[i]);
    g.fill();
    g.lineWidth = sel ? 2.5 : 1.5;
    g.strokeStyle = ink;
    g.stroke();
  });
  c.dataset.points = String(drawn);
}

function buildGrid() {
  const m = state.map;
  if (!m) return;
  const cell = 12; // CSS pixels
  mapGrid = { cell, cells: new Map(), scale: view.scale, ox: view.ox, oy: view.oy };
  for (let i = 0; i < m.n; i++) {
    const key = `${Math.floor((m.x[i] * view.scale + view.ox) / cell)},${Math.floor((m.y[i] * view.scale + view.oy) / cell)}`;
    let a = mapGrid.cells.get(key);
    if (!a) mapGrid.cells.set(key, (a = []));
    a.push(i);
  }
}

// The point nearest (px, py) in CSS pixels within 8 px, or -1.
function pointAt(px, py) {
  const m = state.map;
  if (!m) return -1;
  if (!mapGrid || mapGrid.scale !== view.scale || mapGrid.ox !== view.ox || mapGrid.oy !== view.oy) buildGrid();
  const cell = mapGrid.cell, cx = Math.floor(px / cell), cy = Math.floor(py / cell);
  let best = -1, bestD = 64;
  for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
    const a = mapGrid.cells.get(`${cx + dx},${cy + dy}`);
    if (!a) continue;
    for (const i of a) {
      const ex = m.x[i] * view.scale + view.ox - px, ey = m.y[i] * view.scale + view.oy - py;
      const d = ex * ex + ey * ey;
      if (d < bestD) { bestD = d; best = i; }
    }
  }
  return best;
}

function initMap() {
  const c = $('map');
  const tip = $('map-tip');
  let drag = null, moved = false, gridTimer = null;
  const rebuildSoon = () => { clearTimeout(gridTimer); gridTimer = setTimeout(buildGrid, 150); };
  c.addEventListener('wheel', (e) => {
    if (!state.map) return;
    e.preventDefault();
    const r = c.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const f = Math.exp(-e.deltaY * 0.0015);
    view.ox = px - (px - view.ox) * f;
    view.oy = py - (py - view.oy) * f;
    view.scale *= f;
    rebuildSoon();
    drawMap();
  }, { passive: false });
  c.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, ox: view.ox, oy: view.oy };
    moved = false;
    c.setPointerCapture(e.pointerId);
    c.classList.add('dragging');
  });
  c.addEventListener('pointermove', (e) => {
    const r = c.getBoundingClientRect();
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      view.ox = drag.ox + dx;
      view.oy = drag.oy + dy;
      tip.hidden = true;
      drawMap();
      return;
    }
    const i = pointAt(e.clientX - r.left, e.clientY - r.top);
    if (i < 0) { tip.hidden = true; return; }
    tip.textContent = `${state.map.title[i] || `sample ${state.map.ids[i]}`} · ${state.map.genre[i] || '–'}`;
    tip.hidden = false;
    tip.style.left = `${Math.min(r.width - tip.offsetWidth - 4, e.clientX - r.left + 12)}px`;
    tip.style.top = `${Math.max(4, e.clientY - r.top - 28)}px`;
  });
  c.addEventListener('pointerup', (e) => {
    c.classList.remove('dragging');
    const wasDrag = moved;
    drag = null;
    if (wasDrag) { buildGrid(); return; }
    const r = c.getBoundingClientRect();
    const i = pointAt(e.clientX - r.left, e.clientY - r.top);
    if (i >= 0) pickFromMap(i);
  });
  c.addEventListener('pointerleave', () => { tip.hidden = true; });
  $('map-reset').addEventListener('click', resetView);
  window.addEventListener('resize', () => { if (state.map) resetView(); });
}

// A click on the map: play that sample and select it (added to the top of the list when it is
// not among the results).
function pickFromMap(i) {
  const m = state.map;
  const id = m.ids[i];
  let idx = state.results.findIndex((r) => r.sample_id === id);
  if (idx < 0) {
    sampleDetail(id).then((d) => {
      if (!d || d.error) return;
      const hit = { sample_id: id, title: d.title, similarity: NaN, distance: NaN, genre: d.genre, bpm: d.bpm, musical_key: d.musical_key, mood_primary: d.mood_primary };
      hit.similarity = 0;
      $('results-title').textContent = `Picked on the map: ${d.title}`;
      showResults([hit], null, `Picked on the map: “${d.title}”`);
      togglePlay(id);
    });
    return;
  }
  select(idx, true);
  togglePlay(id);
}

// ---------- status strip ----------

async function loadStatus() {
  const s = $('status');
  try {
    const h = await getJSON('/health');
    const part = (label, value) => el('span', {}, `${label} `, el('b', { text: value }));
    const run = h.last_run;
    s.replaceChildren(...[
      part('library', h.library),
      part('store', h.store),
      part('model', `${h.provider}/${h.model} (${h.dims} dims)`),
      part('embedded', `${Number(h.rows).toLocaleString()} / ${h.library_samples === null ? '?' : Number(h.library_samples).toLocaleString()}`),
      part('last run', run ? `${run.updated_at}${run.finished ? '' : ' (unfinished)'}` : '–'),
      h.status !== 'ok' ? part('status', h.status) : null].filter(Boolean));
  } catch (e) {
    s.textContent = `status unavailable: ${e.message}`;
  }
}

// ---------- start ----------

function init() {
  initTheme();
  initPlayer();
  initKeys();
  initMap();
  const q = $('query');
  q.addEventListener('input', () => { state.similarTo = null; scheduleQuery(250); });
  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { state.similarTo = null; runQuery(); } });
  for (const id of ['bpm-min', 'bpm-max']) $(id).addEventListener('input', () => scheduleQuery(350));
  for (const id of ['key', 'genre', 'mood']) $(id).addEventListener('change', () => runQuery());
  loadStatus();
  loadFacets().then(loadMap);
}

document.addEventListener('DOMContentLoaded', init);
