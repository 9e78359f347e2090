// The balance dashboard: per dimension and category, the shares of
// requests, turns and speaking time against target as charts and tables,
// for the whole session or one agenda item, updated live; the trend of
// speaking time through the session; the intervention record to download.

import { startRoomPage, showError } from './page.js';
import { t } from './i18n.js';
import { apiURL } from './live.js';
import { duration, el } from './format.js';
import { dimensionName, liveBalance, orderedDimensions } from './balance-view.js';
import { DEFAULT_WIDTH, dimensionChart, trendChart } from './balance-chart.js';
import { fetchJSON, onDownload } from './download.js';
import { decodeToken } from './token.js';

const $ = (id) => document.getElementById(id);
const ALL = '\u0000all'; // the filter's "whole session", which no item can be
const TREND_EVERY_S = 600;
// While a turn runs the trend moves; it is fetched again this often.
const TREND_REFRESH_MS = 15_000;
// The figures for one item come over HTTP; a burst of events fetches once.
const FETCH_DELAY_MS = 400;

let item = ALL;
let itemBalance = null; // the chosen item's figures, as the server last gave them
let items = [];
let trend = null;
let trendDim = 'group';
let fetchTimer;
// The charts' widths in CSS pixels, as the page last laid them out.
let widths = { dim: DEFAULT_WIDTH, trend: DEFAULT_WIDTH };

const live = await startRoomPage(render);
if (live) {
  links(live);
  $('item').addEventListener('change', () => {
    item = $('item').value;
    itemBalance = null;
    refresh(live);
  });
  $('trend-dim').addEventListener('change', () => {
    trendDim = $('trend-dim').value;
    refresh(live);
  });
  refresh(live);
  addEventListener('resize', () => render(live, null));
  // The turn in progress counts second by second.
  setInterval(() => {
    if (live.state?.balance.running) render(live, new Set(['tick']));
  }, 1000);
  setInterval(() => {
    if (live.state?.balance.running) refresh(live);
  }, TREND_REFRESH_MS);
}

function render(live, keys) {
  const s = live.state;
  if (!s) return;
  if (keys?.has('balance')) {
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(() => refresh(live), FETCH_DELAY_MS);
  }
  const shown = item === ALL ? s.balance : itemBalance;
  if (!shown) return;
  const balance = liveBalance(shown, live.now());
  const totals = balance.totals;
  $('totals').replaceChildren(
    total(t('balance.totalRequests'), String(totals.requests)),
    total(t('balance.totalTurns'), String(totals.turns)),
    total(t('balance.totalTime'), duration(totals.seconds)),
  );
  $('measure').textContent = t(`balance.policy.${s.policy.kind}`, { measure: t(`balance.measure.${s.policy.measure || 'time'}`) });
  const dims = orderedDimensions(balance);
  $('charts').replaceChildren(...(dims.length
    ? dims.map((dim) => dimensionChart(dim, balance.dimensions[dim], widths.dim))
    : [el('p', 'muted', t(item === ALL ? 'balance.empty' : 'balance.emptyItem'))]));
  if (!keys || keys.has('balance') || keys.has('policy')) {
    filterOptions();
    trendOptions(dims);
    if (trend) $('trend').replaceChildren(trendChart(trend, widths.trend));
  }
  fit(live);
}

// fit draws the charts again at their laid-out width when it has changed:
// a chart scaled down to a phone would shrink its text with it.
// Once: a scroll bar that comes and goes with the new height must not
// make it draw for ever.
let fitting = false;
function fit(live) {
  if (fitting) return;
  const now = { dim: $('charts').querySelector('.dim h2')?.clientWidth ?? widths.dim, trend: $('trend').clientWidth || widths.trend };
  if (Math.abs(now.dim - widths.dim) > 2 || Math.abs(now.trend - widths.trend) > 2) {
    widths = now;
    fitting = true;
    render(live, null);
    fitting = false;
  }
}

// refresh fetches what the live state does not carry: the chosen item's
// figures, the list of items and the trend.
async function refresh(live) {
  const query = item === ALL ? '' : `?agenda_item=${encodeURIComponent(item)}`;
  try {
    const [b, tr] = await Promise.all([
      fetchJSON(apiURL(live.room, `/balance${query}`), live.token),
      fetchJSON(apiURL(live.room, `/balance/trend?dimension=${encodeURIComponent(trendDim)}&every_s=${TREND_EVERY_S}`), live.token),
    ]);
    items = b.agenda_items ?? [];
    if (item !== ALL) itemBalance = b;
    trend = tr;
    render(live, null);
  } catch (err) {
    showError(err);
  }
}

function filterOptions() {
  const select = $('item');
  const options = [[ALL, t('balance.filterAll')], ...items.map((it) => [it, it || t('balance.filterNone')])];
  if (item !== ALL && !items.includes(item)) options.push([item, item || t('balance.filterNone')]);
  select.replaceChildren(...options.map(([value, label]) => {
    const o = el('option', '', label);
    o.value = value;
    return o;
  }));
  select.value = item;
}

// trendOptions offers the dimensions a trend may be drawn for: declared
// gender only to the chair, since a step may hold one speaker.
function trendOptions(dims) {
  const chairs = ['chair', 'admin'].includes(decodeToken(live.token)?.role);
  const allowed = dims.filter((d) => d !== 'gender' || chairs);
  if (!allowed.includes(trendDim)) allowed.unshift(trendDim);
  const select = $('trend-dim');
  select.replaceChildren(...allowed.map((d) => {
    const o = el('option', '', dimensionName(d));
    o.value = d;
    return o;
  }));
  select.value = trendDim;
}

function total(label, value) {
  const li = el('li', 'total');
  li.append(el('span', 'total-value', value), el('span', 'total-label', label));
  return li;
}

// links point the downloads and the navigation at this room.
function links(live) {
  onDownload($('dl-csv'), live, apiURL(live.room, '/interventions.csv'), `${live.room}-interventions.csv`);
  onDownload($('dl-json'), live, apiURL(live.room, '/interventions'), `${live.room}-interventions.json`);
  const base = `/rooms/${encodeURIComponent(live.room)}`;
  $('nav-chair').href = `${base}/chair`;
  $('nav-display').href = `${base}/display`;
  $('nav-balance').href = `${base}/balance`;
}
