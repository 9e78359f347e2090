// What every room page shares: language, token, the live connection, the
// connection banner, the alert region for refused commands, announcements
// for screen readers, and the panel that explains why a room cannot open.

import { has, initI18n, t } from './i18n.js';
import { LiveRoom } from './live.js';
import { el } from './format.js';
import { roomFromPath, roomToken } from './token.js';

const RECONNECTED_SHOWN_MS = 4000;

// startRoomPage connects the page to its room and calls render(live, keys,
// event) on every change and, with every key, when the language changes.
// It returns the LiveRoom, or null when the page cannot open the room.
export async function startRoomPage(render) {
  await initI18n();
  const room = roomFromPath();
  setRoomTitle(room); // until the snapshot brings the title
  const token = room && roomToken(room);
  if (!token) {
    showFatal('no_token');
    return null;
  }
  const live = new LiveRoom(room, token);
  let status = null;
  document.getElementById('alert-dismiss')?.addEventListener('click', clearError);
  live.addEventListener('status', (e) => {
    status = e.detail;
    showStatus(status, room);
  });
  live.addEventListener('change', (e) => {
    const { keys, event } = e.detail;
    if (keys.includes('title')) setRoomTitle(live.state.title);
    if (live.state.closed) {
      live.stop();
      showFatal('room_closed');
      return;
    }
    render(live, new Set(keys), event);
  });
  document.addEventListener('languagechange', () => {
    if (fatal) return;
    if (status && status.status !== 'live') showStatus(status, room);
    if (live.state) render(live, null, null);
  });
  live.start();
  return live;
}

function setRoomTitle(title) {
  const h = document.getElementById('room-title');
  if (h) h.textContent = title;
}

let reconnectedTimer;

function showStatus({ status, resumed, code, message }, room) {
  const banner = document.getElementById('conn');
  banner.classList.remove('conn-lost', 'conn-ok');
  clearTimeout(reconnectedTimer);
  switch (status) {
    case 'connecting':
      banner.textContent = t('conn.connecting');
      break;
    case 'reconnecting':
      banner.textContent = t('conn.lost');
      banner.classList.add('conn-lost');
      break;
    case 'live':
      banner.textContent = resumed ? t('conn.reconnected') : '';
      if (resumed) {
        banner.classList.add('conn-ok');
        reconnectedTimer = setTimeout(() => {
          banner.textContent = '';
        }, RECONNECTED_SHOWN_MS);
      }
      break;
    case 'failed':
      banner.textContent = '';
      showFatal(code, message, room);
      break;
  }
}

let fatal = null;

// showFatal replaces the page with the reason it cannot go on, in words a
// participant can act on; the server's own message follows as a detail.
export function showFatal(code, detail = '', room = roomFromPath()) {
  if (fatal) return;
  const known = ['no_token', 'invalid_token', 'token_expired', 'token_revoked', 'wrong_room', 'not_found', 'room_closed', 'forbidden'];
  const key = known.includes(code) ? code : 'other';
  const section = el('section', 'fatal panel');
  section.setAttribute('role', 'alert');
  const h = el('h2', '', t('fatal.title'));
  h.tabIndex = -1;
  h.dataset.i18n = 'fatal.title';
  const msg = el('p', 'fatal-message', t(`fatal.${key}`, { room, code }));
  section.append(h, msg);
  if (detail) {
    const d = el('p', 'detail', detail);
    d.lang = 'en';
    section.append(d);
  }
  const link = el('a', 'button', t('fatal.join'));
  link.href = '/';
  link.dataset.i18n = 'fatal.join';
  section.append(el('p', '', ''));
  section.lastChild.append(link);
  const main = document.getElementById('main');
  main.className = 'layout';
  main.replaceChildren(section);
  fatal = { key, room, msg };
  document.addEventListener('languagechange', () => {
    fatal.msg.textContent = t(`fatal.${fatal.key}`, { room: fatal.room, code });
  });
  h.focus();
}

// announce tells screen readers something happened, politely. Messages of
// one moment are joined; clearing first makes a repeated message heard again.
let pending = [];
export function announce(text) {
  if (!text) return;
  pending.push(text);
  if (pending.length > 1) return;
  const region = document.getElementById('announcer');
  region.textContent = '';
  setTimeout(() => {
    region.textContent = pending.join(' ');
    pending = [];
  }, 100);
}

// Server codes the pages word themselves.
const WORDED = new Set(['stale']);

// errorWords is a refused command's reason in the page's language: our
// words for a local failure or a code we word; the refusal's own reason
// (params.reason) with its figures; else the code's general sentence.
// Null when the page has no words for it.
export function errorWords(err) {
  if (err.local || WORDED.has(err.code)) return t(`error.${err.code}`);
  const params = err.params ?? {};
  if (params.reason && has(`error.reason.${params.reason}`)) return t(`error.reason.${params.reason}`, params);
  if (has(`error.${err.code}`)) return t(`error.${err.code}`, params);
  return null;
}

// showError puts a refused command's reason in the alert region, in the
// page's language (ours, when the page has better words), with the
// server's English message after a general sentence, or alone (marked as
// English) when the page has no words for it.
export function showError(err, ours = '') {
  const alert = document.getElementById('alert');
  const words = ours || errorWords(err);
  const specific = ours || err.local || WORDED.has(err.code) || has(`error.reason.${err.params?.reason}`);
  alert.removeAttribute('lang');
  if (!words) {
    alert.lang = 'en';
    alert.textContent = err.message;
    return;
  }
  alert.replaceChildren(words);
  if (!specific && err.message) {
    const detail = el('span', 'detail', err.message);
    detail.lang = 'en';
    alert.append(' ', detail);
  }
}

export function clearError() {
  document.getElementById('alert').textContent = '';
}

// A command carries the seq of the room state its sender saw (if_seq). The
// second click of a double click saw what the first one did, even when the
// screen has changed in between: it is sent with the first click's seq, so
// the server refuses it as stale instead of calling a second speaker.
const clicks = new WeakMap(); // button -> the click count (event.detail) of the press being handled
const gestureSeq = new WeakMap(); // button -> the seq its current click gesture saw

function seenSeq(live, button) {
  const detail = clicks.get(button) ?? 0;
  clicks.delete(button);
  if (detail > 1 && gestureSeq.has(button)) return gestureSeq.get(button);
  const seq = live.state?.seq;
  if (button) gestureSeq.set(button, seq);
  return seq;
}

// run sends a command and resolves true on success. The button is marked
// busy rather than disabled while the command is in flight, so a double
// press sends nothing twice and keyboard focus stays where it was.
export async function run(live, command, button) {
  const seen = seenSeq(live, button);
  if (button?.dataset.busy) return false;
  if (button) button.dataset.busy = 'true';
  try {
    await live.send({ ...command, if_seq: seen });
    clearError();
    return true;
  } catch (err) {
    showError(err);
    return false;
  } finally {
    if (button) delete button.dataset.busy;
  }
}

// Buttons that do not apply now are aria-disabled, not disabled: they keep
// keyboard focus, and a screen reader still reads why (aria-describedby).
export function setEnabled(button, enabled) {
  if (enabled) button.removeAttribute('aria-disabled');
  else button.setAttribute('aria-disabled', 'true');
}

export function isEnabled(button) {
  return button.getAttribute('aria-disabled') !== 'true' && !button.dataset.busy;
}

// onPress calls handler on a click of an enabled button.
export function onPress(button, handler) {
  button.addEventListener('click', (e) => {
    clicks.set(button, e.detail);
    if (isEnabled(button)) handler(e);
  });
}
