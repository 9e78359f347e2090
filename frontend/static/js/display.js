// The public display: the current speaker with a countdown that can be read
// from the back of the hall, the next three speakers, and the current
// speaker's last lines as captions. No controls; ?kiosk hides even the
// language picker (?lang=fr picks the language then) for a screen nobody
// touches, which recovers by itself from a network drop or a server
// restart (live.js reconnects and resumes).

import { announce, startRoomPage } from './page.js';
import { category, LANGUAGES, t } from './i18n.js';
import { el, kindLabel, nameEl, speakerMeta, speakerName } from './format.js';
import { Clocks } from './queue-view.js';
import { FLOOR, TranscriptFeed, validLanguage } from './transcript.js';

const $ = (id) => document.getElementById(id);
const NEXT_SHOWN = 3;
const CAPTION_LINES = 2;
const params = new URLSearchParams(location.search);
// ?captions=<channel> picks the captions, ?captions=off shows none; by
// default the floor's, once the room has them.
const captionsAsked = params.get('captions')?.trim().toLowerCase();

if (params.has('kiosk')) {
  document.documentElement.classList.add('kiosk');
  // Without a picker, the address chooses the language (i18n.js reads the
  // stored choice first).
  const lang = params.get('lang');
  if (lang && lang in LANGUAGES) localStorage.setItem('parley.lang', lang);
}

let clocks;
let captionLang = null;
let turn = null; // the floor request whose captions show; null between turns

const live = await startRoomPage(render);
// A few more than shown, so an emptied line does not leave a gap.
const captions = live && new TranscriptFeed(live, CAPTION_LINES + 3);
captions?.addEventListener('update', (e) => {
  if (e.detail.lang === captionLang) renderCaptions();
});

function render(live, keys, event) {
  clocks ??= new Clocks(live);
  const all = !keys;
  const s = live.state;
  if (all || keys.has('agenda_item')) $('agenda').textContent = s.agenda_item || t('agenda.none');
  if (all || keys.has('floor')) renderNow(live);
  if (all || keys.has('queue')) renderNext(s.queue);
  if (all || keys.has('list_open')) $('list-state').textContent = s.list_open ? '' : t('display.listClosed');
  if (all || keys.has('languages')) followCaptions(s.languages);
  if (event?.type === 'floor_granted') announce(t('announce.floor', { name: event.data.speaker.name }));
}

// badges are what a speaker's request is beside a plain request to speak:
// a point of order, a reply, a hub's turn.
function badges(sp) {
  const out = [];
  if (sp.kind && sp.kind !== 'speak') out.push(el('span', `badge badge-${sp.kind}`, kindLabel(sp.kind)));
  if (sp.mode === 'hub') out.push(el('span', 'badge badge-hub', category('hub')));
  return out;
}

function renderNow(live) {
  const f = live.state.floor;
  clocks.clear();
  const body = $('now-body');
  if ((f?.request ?? null) !== turn) {
    turn = f?.request ?? null;
    if (captions) renderCaptions();
  }
  if (!f) {
    $('now-badges').replaceChildren();
    body.replaceChildren(el('p', 'now-empty', t('floor.nobody')));
    return;
  }
  const who = el('div', 'now-who');
  const name = el('p', 'now-name');
  name.append(nameEl(speakerName(f)));
  who.append(name, el('p', 'now-meta', speakerMeta(f, { named: true })));
  // Beside the heading, where a long name cannot push them out of sight.
  $('now-badges').replaceChildren(...badges(f));
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr';
  const label = el('p', 'clock-label');
  box.append(clock, label);
  body.replaceChildren(who, box);
  clocks.add({ node: clock, label, box });
}

function renderNext(queue) {
  const next = queue.slice(0, NEXT_SHOWN);
  if (next.length === 0) {
    $('next').replaceChildren(el('li', 'next-empty', t('display.nobodyWaiting')));
    return;
  }
  $('next').replaceChildren(...next.map((entry) => {
    const li = el('li', 'next-item');
    const name = el('p', 'next-name');
    name.append(nameEl(speakerName(entry)));
    for (const b of badges(entry)) name.append(' ', b);
    li.append(name, el('p', 'next-meta', speakerMeta(entry, { named: true })));
    return li;
  }));
}

function followCaptions(languages) {
  let want = languages.includes(FLOOR) ? FLOOR : null;
  if (captionsAsked) want = captionsAsked !== 'off' && validLanguage(captionsAsked) ? captionsAsked : null;
  if (want === captionLang) return;
  captionLang = want;
  captions.follow(want ? [want] : []);
  const lines = $('caption-lines');
  if (want && want !== FLOOR) lines.lang = want;
  else lines.removeAttribute('lang');
  renderCaptions();
}

// renderCaptions shows the last lines of the turn on the floor, the one
// being written growing as the captioner types. Captions belong to their
// speaker: when the floor passes, the previous speaker's lines go. The area
// stays hidden until there is text.
function renderCaptions() {
  const shown = captionLang
    ? captions.segments(captionLang).filter((s) => s.text && (s.request || null) === turn).slice(-CAPTION_LINES)
    : [];
  $('caption-lines').replaceChildren(...shown.map((seg) => {
    const p = el('p', seg.final ? 'caption-line' : 'caption-line caption-partial', seg.text);
    p.dir = 'auto';
    return p;
  }));
  $('captions').hidden = shown.length === 0;
  document.body.classList.toggle('has-captions', shown.length > 0);
}
