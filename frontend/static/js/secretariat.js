// The secretariat's page, for an admin token: create rooms, issue personal
// links in bulk from a CSV list of participants (a CSV of links back, or a
// sheet of QR codes to print for the people in the room), and revoke a
// link that leaked.

import { initI18n, t } from './i18n.js';
import { LiveError } from './live.js';
import { el } from './format.js';
import { clearError, errorWords, showError } from './page.js';
import { decodeToken, storeToken, storedToken, takeFragmentToken } from './token.js';

const $ = (id) => document.getElementById(id);
const KEY = '*secretariat'; // where the tab keeps the token; no room has this name
const DEFAULT_DIMS = {
  group: ['government', 'private-sector', 'civil-society', 'technical-community', 'academia'],
  region: ['africa', 'asia-pacific', 'eastern-europe', 'latin-america-caribbean', 'western-europe-others'],
  gender: ['woman', 'man', 'non-binary', 'undisclosed'],
  mode: ['in-room', 'remote', 'hub'],
};

await initI18n();
const fresh = takeFragmentToken();
if (fresh) storeToken(KEY, fresh);
const token = fresh ?? storedToken(KEY);
$('alert-dismiss').addEventListener('click', clearError);
$('room-dims').value = Object.entries(DEFAULT_DIMS).map(([d, cats]) => `${d}: ${cats.join(', ')}`).join('\n');
if (decodeToken(token ?? '')?.role !== 'admin') {
  showError(new LiveError('no_admin', '', true));
} else {
  $('room-form').addEventListener('submit', (e) => {
    e.preventDefault();
    createRoom();
  });
  $('links-csv').addEventListener('click', () => issue(false));
  $('links-qr').addEventListener('click', () => issue(true));
  $('sheet-print').addEventListener('click', () => print());
  $('revoke-form').addEventListener('submit', (e) => {
    e.preventDefault();
    revoke();
  });
  $('revoke-room').addEventListener('change', () => listRevoked());
}

// api calls the API with the admin token; it throws a LiveError with the
// server's code, message and params.
async function api(method, path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, { method, body, cache: 'no-store', headers: { Authorization: `Bearer ${token}`, ...headers } });
  } catch {
    throw new LiveError('connection_lost', '', true);
  }
  if (res.ok) return res;
  const err = (await res.json().catch(() => ({}))).error ?? {};
  throw new LiveError(err.code ?? `http_${res.status}`, err.message ?? '', false, err.params);
}

function roomPath(room, suffix) {
  return `/api/v1/rooms/${encodeURIComponent(room)}${suffix}`;
}

// dimensions reads "group: a, b" lines into the room's categories.
function dimensions() {
  const out = {};
  for (const line of $('room-dims').value.split('\n')) {
    const [dim, cats = ''] = line.split(':');
    if (!dim.trim()) continue;
    out[dim.trim()] = cats.split(',').map((c) => c.trim()).filter(Boolean);
  }
  return out;
}

async function createRoom() {
  const id = $('room-id').value.trim();
  if (!id) return required($('room-id'));
  const spec = {
    id, title: $('room-title').value.trim() || id,
    time_limit_s: Number($('room-limit').value) || 120,
    policy: { kind: $('room-policy').value },
    categories: dimensions(),
  };
  try {
    await api('POST', '/api/v1/rooms', JSON.stringify(spec), { 'Content-Type': 'application/json' });
    clearError();
    $('room-done').textContent = t('secretariat.created', { room: id });
    for (const input of [$('links-room'), $('revoke-room')]) input.value ||= id;
  } catch (err) {
    $('room-done').textContent = '';
    showError(err);
  }
}

function required(input) {
  showError(new LiveError('required', '', true));
  input.focus();
}

// issue sends the list and saves the links as CSV, or shows them as a
// sheet of QR codes.
async function issue(qr) {
  const room = $('links-room').value.trim();
  const file = $('links-file').files[0];
  if (!room) return required($('links-room'));
  if (!file) return required($('links-file'));
  const q = new URLSearchParams({ ttl_h: String(Number($('links-ttl').value) || 168), base: location.origin });
  if (qr) q.set('qr', '1');
  showRowErrors([]);
  try {
    const res = await api('POST', roomPath(room, `/tokens?${q}`), file, { 'Content-Type': 'text/csv', Accept: qr ? 'application/json' : 'text/csv' });
    clearError();
    if (qr) {
      const out = await res.json();
      sheet(room, out.links);
      $('links-done').textContent = t('secretariat.issued', { count: out.links.length });
    } else {
      const blob = await res.blob();
      save(blob, `${room}-links.csv`);
      $('links-done').textContent = t('secretariat.saved');
    }
  } catch (err) {
    $('links-done').textContent = '';
    showError(err);
    if (err.params?.reason === 'bad_rows') showRowErrors(err.params.rows ?? []);
  }
}

// showRowErrors lists each bad line of the file: the server says what is
// wrong in English, after the line's number in the page's language.
function showRowErrors(rows) {
  $('links-errors').hidden = rows.length === 0;
  $('links-errors-list').replaceChildren(...rows.map((r) => {
    const li = el('li');
    const msg = el('span', '', r.message);
    msg.lang = 'en';
    li.append(t('secretariat.line', { line: r.line }), ' ', msg);
    return li;
  }));
}

function sheet(room, links) {
  $('sheet-h').textContent = t('secretariat.sheetTitle', { room });
  $('sheet-cards').replaceChildren(...links.map((l) => {
    const li = el('li', 'card');
    const img = el('img', 'qr');
    // A data URL: the page's policy allows images from data: and nothing
    // of the server's SVG is parsed into the page itself.
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(l.qr_svg)}`;
    img.alt = t('secretariat.qrAlt', { name: l.name });
    li.append(img, el('bdi', 'card-name', l.name), el('span', 'card-role', t(`role.${l.role}`)), el('code', 'card-id', l.jti));
    return li;
  }));
  $('sheet').hidden = false;
  $('sheet-h').tabIndex = -1;
  $('sheet-h').focus();
}

function save(blob, filename) {
  const a = el('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

async function revoke() {
  const room = $('revoke-room').value.trim();
  const what = $('revoke-what').value.trim();
  if (!room) return required($('revoke-room'));
  if (!what) return required($('revoke-what'));
  const cmd = { type: 'revoke', [$('revoke-by').value]: what, reason: $('revoke-reason').value.trim() };
  try {
    await api('POST', roomPath(room, '/commands'), JSON.stringify(cmd), { 'Content-Type': 'application/json' });
    clearError();
    $('revoke-done').textContent = t('secretariat.revokedDone', { what });
    $('revoke-what').value = '';
    listRevoked();
  } catch (err) {
    $('revoke-done').textContent = '';
    showError(err);
  }
}

async function listRevoked() {
  const room = $('revoke-room').value.trim();
  if (!room) return;
  try {
    const list = await (await api('GET', roomPath(room, '/revocations'))).json();
    $('revoked').replaceChildren(...(list.length ? list.map((r) => {
      const li = el('li');
      li.append(el('code', '', r.token || r.sub), ' ', t(r.token ? 'secretariat.oneLink' : 'secretariat.allLinks'));
      if (r.reason) {
        const why = el('bdi', 'reason', r.reason);
        li.append(' — ', why);
      }
      return li;
    }) : [el('li', 'muted', t('secretariat.noneRevoked'))]));
  } catch (err) {
    if (errorWords(err)) showError(err);
  }
}
