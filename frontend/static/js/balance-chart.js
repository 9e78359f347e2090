// The balance dashboard's charts as SVG: per dimension, each category's
// shares of requests, turns and speaking time as bars against its target,
// and the trend of speaking time through the session as lines. Each chart
// is an image with a title and a description (role=img), followed by a
// table of the same figures, absolute and shares, for those who read
// figures rather than shapes.

import { category, formatNumber, t } from './i18n.js';
import { clockTime, duration, el, percent } from './format.js';
import { dimensionName } from './balance-view.js';

const SVG = 'http://www.w3.org/2000/svg';
const METRICS = [
  { key: 'request_share', count: 'requests', label: 'balance.requests' },
  { key: 'turn_share', count: 'turns', label: 'balance.turns' },
  { key: 'time_share', count: 'seconds', label: 'balance.time' },
];

// Geometry of the charts, in viewBox units, which the pages make the
// chart's width in CSS pixels so that text keeps its size on any screen.
export const DEFAULT_WIDTH = 640;
const MIN_WIDTH = 280;
const VALUE_W = 64; // the share written after each bar
const LABEL_H = 22;
const BAR_H = 14;
const BAR_GAP = 4;
const ROW_GAP = 16;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// image makes an svg an image named by its title and described by desc.
function image(id, width, height, title, desc) {
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart' });
  root.append(svg('title', { id: `${id}-t` }, title), svg('desc', { id: `${id}-d` }, desc));
  return root;
}

function rtl() {
  return document.documentElement.dir === 'rtl';
}

// dimensionChart is one dimension's section: heading, bar chart, table.
export function dimensionChart(dim, cats, width = DEFAULT_WIDTH, headingTag = 'h2') {
  const id = `chart-${dim}`;
  const section = el('section', 'dim');
  const h = el(headingTag, 'dim-title', dimensionName(dim));
  h.id = `${id}-h`;
  section.setAttribute('aria-labelledby', h.id);
  const desc = cats.map((c) => t('balance.chartCategory', {
    category: category(c.category), requests: percent(c.request_share), turns: percent(c.turn_share),
    time: percent(c.time_share), target: percent(c.target),
  })).join(' ');
  section.append(h, barChart(id, dim, cats, desc, Math.max(width, MIN_WIDTH)), dimensionTable(id, dim, cats));
  return section;
}

function barChart(id, dim, cats, desc, W) {
  const rowH = LABEL_H + METRICS.length * (BAR_H + BAR_GAP) + ROW_GAP;
  const height = Math.max(rowH * cats.length, rowH);
  const root = image(id, W, height, t('balance.chartTitle', { dimension: dimensionName(dim) }), desc);
  const span = W - VALUE_W;
  // In a right-to-left page the bars grow from the right, as the text runs.
  const x = (pos, width = 0) => (rtl() ? W - pos - width : pos);
  cats.forEach((c, i) => {
    const top = i * rowH;
    const g = svg('g', { class: c.speaking ? 'cat-row speaking' : 'cat-row' });
    g.append(svg('text', { x: x(0), y: top + 15, class: 'chart-label' }, `${category(c.category)} · ${t('balance.target', { share: percent(c.target) })}`));
    METRICS.forEach((m, j) => {
      const y = top + LABEL_H + j * (BAR_H + BAR_GAP);
      const share = Math.min(1, c[m.key] ?? 0);
      g.append(svg('rect', { x: x(0, span), y, width: span, height: BAR_H, rx: 3, class: 'chart-track' }));
      if (share > 0) g.append(svg('rect', { x: x(0, span * share), y, width: span * share, height: BAR_H, rx: 3, class: `chart-bar bar-${m.key}` }));
      g.append(svg('text', { x: x(W), y: y + BAR_H - 2, 'text-anchor': 'end', class: 'chart-value' }, percent(share)));
    });
    const tx = x(span * Math.min(1, c.target));
    g.append(svg('line', { x1: tx, x2: tx, y1: top + LABEL_H - 4, y2: top + LABEL_H + METRICS.length * (BAR_H + BAR_GAP), class: 'chart-target' }));
    root.append(g);
  });
  return root;
}

// dimensionTable says the chart's figures: counts and minutes beside
// their shares, and the target.
function dimensionTable(id, dim, cats) {
  const rows = cats.map((c) => {
    const tr = el('tr');
    const th = el('th', '', category(c.category));
    th.scope = 'row';
    tr.append(th,
      el('td', '', t('balance.cell', { value: formatNumber(c.requests), share: percent(c.request_share) })),
      el('td', '', t('balance.cell', { value: formatNumber(c.turns), share: percent(c.turn_share) })),
      el('td', '', t('balance.cell', { value: duration(c.seconds), share: percent(c.time_share) })),
      el('td', '', percent(c.target)));
    return tr;
  });
  return figuresTable(`${id}-h`, ['balance.col.category', 'balance.requests', 'balance.turns', 'balance.time', 'balance.col.target'], rows);
}

// figuresTable is a table of figures named by the heading labelledBy, a
// column for each i18n key of columns, with rows, scrolling inside itself
// where the screen is narrower.
export function figuresTable(labelledBy, columns, rows) {
  const table = el('table', 'figures');
  table.setAttribute('aria-labelledby', labelledBy);
  const head = el('tr');
  for (const key of columns) {
    const th = el('th', '', t(key));
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  body.append(...rows);
  table.append(thead, body);
  return scrolling(table, labelledBy);
}

// Geometry of the trend chart.
const TH = 280;
const PAD = { left: 48, top: 12, bottom: 28 };
const NAMES_W = 150; // the names at the lines' ends, less on a phone
const LINE_CLASSES = 6; // .line-0 … .line-5: colour and dash differ

// trendChart is the trend's image and table, or a line saying there is
// nothing yet.
export function trendChart(trend, width = DEFAULT_WIDTH) {
  const TW = Math.max(width, MIN_WIDTH);
  const right = Math.min(NAMES_W, Math.round(TW * 0.3));
  const section = el('div', 'trend-figure');
  const spoken = trend.categories?.length > 0; // null before anyone has spoken
  if (!spoken) {
    section.append(el('p', 'muted', t('balance.trendEmpty')));
    return section;
  }
  const minutes = Math.round(trend.every_s / 60);
  const title = t('balance.trendTitle', { dimension: dimensionName(trend.dimension), minutes });
  const last = trend.steps.at(-1);
  const desc = t('balance.trendDesc', {
    time: clockTime(last.end < trend.as_of ? last.end : trend.as_of),
    shares: trend.categories.map((c) => `${category(c)} ${percent(last.shares[c] ?? 0)}`).join(', '),
  });
  const root = image('trend', TW, TH, title, desc);
  root.classList.add('trend-chart');
  const iw = TW - PAD.left - right;
  const ih = TH - PAD.top - PAD.bottom;
  const n = trend.steps.length;
  // Step i ends at px(i + 1); the session starts at px(0).
  const px = (i) => PAD.left + (iw * i) / n;
  const py = (share) => PAD.top + ih * (1 - share);
  for (const s of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { x1: PAD.left, x2: PAD.left + iw, y1: py(s), y2: py(s), class: s === 0 ? 'chart-axis' : 'chart-grid' }));
    root.append(svg('text', { x: PAD.left - 6, y: py(s) + 4, 'text-anchor': 'end', class: 'chart-tick' }, percent(s)));
  }
  // The start, the end and, when there is room, a time between.
  const ticks = [...new Set([0, iw > 400 && n > 1 ? Math.round(n / 2) : 0, n])];
  const times = [trend.steps[0].start, ...trend.steps.map((st) => st.end)];
  for (const i of ticks) {
    const anchor = i === 0 ? 'start' : i === n ? 'end' : 'middle';
    root.append(svg('text', { x: px(i), y: TH - 8, 'text-anchor': anchor, class: 'chart-tick' }, clockTime(times[i])));
  }
  const ends = [];
  trend.categories.forEach((c, k) => {
    const cls = `trend-line line-${k % LINE_CLASSES}`;
    // The first step's share is drawn from the start: before it there is
    // no share to draw.
    const shares = trend.steps.map((st) => st.shares[c] ?? 0);
    const points = [`${px(0)},${py(shares[0])}`, ...shares.map((v, i) => `${px(i + 1)},${py(v)}`)];
    root.append(svg('polyline', { points: points.join(' '), class: cls }));
    shares.forEach((v, i) => root.append(svg('circle', { cx: px(i + 1), cy: py(v), r: 3.5, class: `${cls} dot` })));
    ends.push({ c, k, y: py(last.shares[c] ?? 0) });
  });
  // Each line is named at its end; names are spaced so they never overlap.
  ends.sort((a, b) => a.y - b.y);
  let floor = -Infinity;
  for (const e of ends) {
    e.y = Math.max(e.y, floor + 15);
    floor = e.y;
  }
  for (const e of ends) {
    root.append(svg('text', { x: PAD.left + iw + 8, y: e.y + 4, class: `chart-label trend-name name-${e.k % LINE_CLASSES}` }, category(e.c)));
  }
  section.append(root, trendTable(trend));
  return section;
}

function trendTable(trend) {
  const labelledBy = 'trend-h';
  const table = el('table', 'figures');
  table.setAttribute('aria-labelledby', labelledBy);
  const head = el('tr');
  const corner = el('th', '', t('balance.col.until'));
  corner.scope = 'col';
  head.append(corner);
  for (const c of trend.categories) {
    const th = el('th', '', category(c));
    th.scope = 'col';
    head.append(th);
  }
  const body = el('tbody');
  for (const st of trend.steps) {
    const tr = el('tr');
    const th = el('th', '', clockTime(st.end));
    th.scope = 'row';
    tr.append(th);
    for (const c of trend.categories) {
      tr.append(el('td', '', t('balance.cell', { value: duration(st.seconds[c] ?? 0), share: percent(st.shares[c] ?? 0) })));
    }
    body.append(tr);
  }
  const thead = el('thead');
  thead.append(head);
  table.append(thead, body);
  return scrolling(table, labelledBy);
}

// scrolling wraps a table that may be wider than a phone in a box that
// scrolls, and that the keyboard can reach to scroll it.
function scrolling(table, labelledBy) {
  const wrap = el('div', 'table-wrap');
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'group');
  wrap.setAttribute('aria-labelledby', labelledBy);
  wrap.append(table);
  return wrap;
}
