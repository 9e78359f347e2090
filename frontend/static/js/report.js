// The session report: who spoke, in order, with what was said; the balance
// against targets and its trend; the agenda; the chair's decisions out of
// order; the hubs that took part; and a layout that prints. It reads the
// record over HTTP, with the room's token from the link, or without one
// where the server makes a closed room's record public.

import { formatNumber, initI18n, t } from './i18n.js';
import { apiURL, parseServerTime } from './live.js';
import { clockTime, dateText, duration, el, percent } from './format.js';
import { clearError, showError, showFatal } from './page.js';
import { DEFAULT_WIDTH, dimensionChart, figuresTable, trendChart } from './balance-chart.js';
import { dimensionName, orderedDimensions } from './balance-view.js';
import { authHeaders, fetchJSON, onDownload } from './download.js';
import { roomFromPath, roomToken } from './token.js';
import { FLOOR, languageName } from './transcript.js';
import { actionsList, fact, hubsTable, hubsOf, isChairDecision, turnsList } from './report-turns.js';

const $ = (id) => document.getElementById(id);
const EVENT_PAGE = 1000;
// The trend has about this many steps whatever the session's length, each
// at least the minute the server allows.
const TREND_STEPS = 12;
// Charts are drawn this wide for paper: A4 and Letter, less the margins.
const PRINT_WIDTH = DEFAULT_WIDTH;
// Codes that mean the record is not public and a link is needed.
const NEEDS_TOKEN = new Set(['invalid_token', 'forbidden', 'token_expired', 'token_revoked', 'wrong_room']);

const room = roomFromPath();
const token = room && roomToken(room);
const report = { snap: null, events: [], turns: [], balance: null, trend: null };
let transcriptLang = FLOOR;
let trendDim = 'group';
let widths = { dim: DEFAULT_WIDTH, trend: DEFAULT_WIDTH };
let headerRule = -1; // the running header's rule in report.css, once added
const printing = matchMedia('print');

await initI18n();
$('room-title').textContent = room ?? '';
$('alert-dismiss').addEventListener('click', clearError);
if (await load()) {
  document.addEventListener('languagechange', render);
  $('print').addEventListener('click', () => print());
  $('tr-lang').addEventListener('change', async () => {
    transcriptLang = $('tr-lang').value;
    await refetch(loadTurns);
  });
  $('trend-dim').addEventListener('change', async () => {
    trendDim = $('trend-dim').value;
    await refetch(loadTrend);
  });
  addEventListener('resize', () => fit());
  // Paper is narrower than most screens: the charts are drawn for it, so
  // their text keeps its size, and again for the screen afterwards.
  addEventListener('beforeprint', () => drawCharts(PRINT_WIDTH));
  addEventListener('afterprint', () => fit(true));
  printing.addEventListener('change', () => (printing.matches ? drawCharts(PRINT_WIDTH) : fit(true)));
  recordLink();
}

// load reads the whole record and shows it; false when the page cannot.
async function load() {
  if (!room) {
    showFatal('not_found');
    return false;
  }
  try {
    report.snap = await fetchJSON(apiURL(room), token);
  } catch (err) {
    if (!token && NEEDS_TOKEN.has(err.code)) {
      showFatal('no_token');
      const note = el('p', '', t('report.needsToken'));
      note.dataset.i18n = 'report.needsToken';
      document.querySelector('.fatal-message').after(note);
    } else {
      showFatal(err.code, err.message);
    }
    return false;
  }
  const langs = report.snap.languages;
  if (!langs.includes(FLOOR) && langs.length) transcriptLang = langs[0];
  try {
    await loadEvents(); // the trend's steps follow the session's length
    await Promise.all([loadTurns(), loadBalance(), loadTrend()]);
  } catch (err) {
    showError(err);
    return false;
  } finally {
    $('main').removeAttribute('aria-busy');
  }
  render();
  return true;
}

async function loadEvents() {
  const events = [];
  for (let after = 0; ;) {
    const page = await fetchJSON(apiURL(room, `/events?after=${after}&limit=${EVENT_PAGE}`), token);
    events.push(...page.events);
    if (!page.more || page.events.length === 0) break;
    after = page.events.at(-1).seq;
  }
  report.events = events;
}

async function loadTurns() {
  const query = report.snap.languages.length ? `?transcript=${encodeURIComponent(transcriptLang)}` : '';
  report.turns = await fetchJSON(apiURL(room, `/interventions${query}`), token);
}

async function loadBalance() {
  report.balance = await fetchJSON(apiURL(room, '/balance'), token);
}

async function loadTrend() {
  const every = Math.max(60, Math.ceil(sessionSeconds() / TREND_STEPS / 60) * 60);
  report.trend = await fetchJSON(apiURL(room, `/balance/trend?dimension=${encodeURIComponent(trendDim)}&every_s=${every}`), token);
}

async function refetch(loader) {
  try {
    await loader();
    clearError();
    render();
  } catch (err) {
    showError(err);
  }
}

// The session runs from the room's opening to its closing, or to now.
function sessionSpan() {
  const created = report.events.find((ev) => ev.type === 'room_created');
  const closed = report.events.findLast((ev) => ev.type === 'room_closed');
  return { start: created?.time ?? report.snap.server_time, end: closed?.time ?? report.snap.server_time, closed: Boolean(closed) };
}

function sessionSeconds() {
  const { start, end } = sessionSpan();
  return Math.max(0, (parseServerTime(end) - parseServerTime(start)) / 1000);
}

function render() {
  const s = report.snap;
  $('room-title').textContent = s.title || room;
  document.title = t('report.doctitleRoom', { title: s.title || room });
  runningHeader(s.title || room);
  header();
  totals();
  agenda();
  transcriptPicker();
  $('turns').replaceChildren(turnsList(report.turns, { lang: transcriptLang, transcripts: s.languages.length > 0 }));
  $('measure').textContent = t(`balance.policy.${s.policy.kind}`, { measure: t(`balance.measure.${s.policy.measure || 'time'}`) });
  trendOptions();
  $('actions').replaceChildren(actionsList(report.events));
  $('hubs').replaceChildren(hubsTable(report.events, report.turns));
  if (printing.matches) drawCharts(PRINT_WIDTH);
  else {
    drawCharts(widths.dim, widths.trend);
    fit();
  }
}

function header() {
  const s = report.snap;
  const { start, end, closed } = sessionSpan();
  const rows = [
    [t('report.date'), dateText(start)],
    [t('report.time'), t('report.span', { start: clockTime(start), end: clockTime(end) })],
    [t('report.duration'), longDuration(sessionSeconds())],
  ];
  const chairs = chairNames();
  if (chairs.length) rows.push([t('report.chairs', { count: chairs.length }), chairs.join(', ')]);
  if (s.languages.length) rows.push([t('report.channels'), s.languages.map(languageName).join(', ')]);
  $('session').replaceChildren(...rows.map(([term, value]) => fact(term, value)));
  $('running').hidden = closed;
  $('running').textContent = closed ? '' : t('report.running', { time: clockTime(s.server_time) });
}

// chairNames are those who chaired: the chair role's actions, and an
// admin's beyond opening the room (the secretariat opens rooms for others).
function chairNames() {
  const names = new Set();
  for (const ev of report.events) {
    const role = ev.actor?.role;
    if (role === 'chair' || (role === 'admin' && ev.type !== 'room_created')) names.add(ev.actor.name || ev.actor.sub);
  }
  return [...names];
}

// longDuration writes a session's length with hours once it has them.
function longDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  if (h === 0) return duration(seconds);
  return t('report.hm', { h, m: Math.floor((seconds % 3600) / 60) });
}

function totals() {
  const b = report.balance.totals;
  const speakers = new Set(report.turns.map((iv) => iv.sub)).size;
  const average = report.turns.length ? b.seconds / report.turns.length : 0;
  const decisions = report.events.filter(isChairDecision).length;
  const hubs = hubsOf(report.events, report.turns).length;
  const figures = [
    [b.requests, t('report.totalRequests', { count: b.requests })],
    [b.turns, t('report.totalTurns', { count: b.turns })],
    [speakers, t('report.totalSpeakers', { count: speakers })],
    [longDuration(b.seconds), t('balance.totalTime')],
    [duration(average), t('report.totalAverage')],
    [decisions, t('report.totalDecisions', { count: decisions })],
    [hubs, t('report.totalHubs', { count: hubs })],
  ];
  $('totals').replaceChildren(...figures.map(([value, label]) => {
    const li = el('li', 'total');
    li.append(el('span', 'total-value', typeof value === 'number' ? formatNumber(value) : value), el('span', 'total-label', label));
    return li;
  }));
}

// agenda lists the items in the order the chair set them, with the turns
// and time under each; turns before any item come first.
function agenda() {
  const items = [];
  for (const ev of report.events) {
    const title = ev.type === 'agenda_item_set' ? ev.data?.title : null;
    if (title && !items.some((it) => it.title === title)) items.push({ title, from: ev.time });
  }
  if (report.turns.some((iv) => !iv.agenda_item)) items.unshift({ title: '', from: null });
  if (items.length === 0) {
    $('agenda').replaceChildren(el('p', 'muted', t('report.agendaNone')));
    return;
  }
  const total = report.turns.reduce((sum, iv) => sum + iv.duration_s, 0);
  const rows = items.map((it) => {
    const under = report.turns.filter((iv) => (iv.agenda_item ?? '') === it.title);
    const seconds = under.reduce((sum, iv) => sum + iv.duration_s, 0);
    const tr = el('tr');
    const th = el('th', '');
    th.scope = 'row';
    th.append(it.title ? el('bdi', '', it.title) : t('balance.filterNone'));
    tr.append(th, el('td', '', it.from ? clockTime(it.from) : '—'), el('td', '', String(under.length)),
      el('td', '', duration(seconds)), el('td', '', percent(total ? seconds / total : 0)));
    return tr;
  });
  $('agenda').replaceChildren(figuresTable('agenda-h', ['report.col.item', 'report.col.from', 'balance.turns', 'balance.time', 'report.col.share'], rows));
}

// transcriptPicker offers the channels the room has; the original as
// spoken first.
function transcriptPicker() {
  const langs = [...report.snap.languages].sort((a, b) => (a === FLOOR ? -1 : b === FLOOR ? 1 : a.localeCompare(b)));
  $('tr-pick').hidden = langs.length < 2;
  $('tr-lang').replaceChildren(...langs.map((l) => new Option(languageName(l), l)));
  $('tr-lang').value = transcriptLang;
  // Paper has no picker, nor a screen with one channel: they say which.
  $('tr-shown').classList.toggle('print-only', langs.length >= 2);
  $('tr-shown').textContent = langs.length
    ? t('report.transcriptShown', { lang: languageName(transcriptLang) })
    : t('report.transcriptNone');
}

// trendOptions offers the dimensions a public trend may be drawn for:
// never declared gender, since a step may hold one speaker.
function trendOptions() {
  const dims = orderedDimensions(report.balance).filter((d) => d !== 'gender');
  const select = $('trend-dim');
  select.replaceChildren(...dims.map((d) => new Option(dimensionName(d), d)));
  select.value = trendDim;
}

// drawCharts draws each dimension's chart at width and the trend at
// trendWidth.
function drawCharts(width, trendWidth = width) {
  const dims = orderedDimensions(report.balance);
  $('charts').replaceChildren(...(dims.length
    ? dims.map((dim) => dimensionChart(dim, report.balance.dimensions[dim], width, 'h3'))
    : [el('p', 'muted', t('balance.empty'))]));
  $('trend').replaceChildren(trendChart(report.trend, trendWidth));
}

// fit draws the charts again at their laid-out width when it has changed
// (or always, after printing): a chart scaled down to a phone would shrink
// its text with it.
function fit(always = false) {
  if (printing.matches) return;
  const now = { dim: $('charts').querySelector('.dim h3')?.clientWidth ?? widths.dim, trend: $('trend').clientWidth || widths.trend };
  if (always || Math.abs(now.dim - widths.dim) > 2 || Math.abs(now.trend - widths.trend) > 2) {
    widths = now;
    drawCharts(widths.dim, widths.trend);
  }
}

// runningHeader puts the room's title at the top of every printed page.
// The page's CSP allows no inline style, but a rule added to its own sheet
// through the CSSOM.
function runningHeader(title) {
  const sheet = [...document.styleSheets].find((s) => s.href?.endsWith('/report.css'));
  if (!sheet) return;
  if (headerRule >= 0) sheet.deleteRule(headerRule);
  const quoted = `"${title.replace(/[\\"]/g, '\\$&').replace(/\s+/g, ' ')}"`;
  try {
    headerRule = sheet.insertRule(`@page { @top-center { content: ${quoted}; } }`, sheet.cssRules.length);
  } catch {
    headerRule = -1; // a browser without margin boxes prints without it
  }
}

// recordLink offers the record's bundle where the server has one for this
// reader.
async function recordLink() {
  const url = apiURL(room, '/record');
  try {
    const res = await fetch(url, { method: 'HEAD', headers: authHeaders(token), cache: 'no-store' });
    if (!res.ok) return;
  } catch {
    return;
  }
  $('dl-record').hidden = false;
  onDownload($('dl-record'), { room, token }, url, `${room}-record.zip`);
}
