// The public display: the current speaker with a countdown that can be read
// from the back of the hall, the next three speakers, and the transcript's
// last lines as captions. No controls.

import { announce, startRoomPage } from './page.js';
import { t } from './i18n.js';
import { el, kindLabel, nameEl, speakerMeta, speakerName } from './format.js';
import { Clocks } from './queue-view.js';
import { FLOOR, TranscriptFeed, validLanguage } from './transcript.js';

const $ = (id) => document.getElementById(id);
const NEXT_SHOWN = 3;
const CAPTION_LINES = 2;
// ?captions=<channel> picks the captions, ?captions=off shows none; by
// default the floor's, once the room has them.
const captionsAsked = new URLSearchParams(location.search).get('captions')?.trim().toLowerCase();

let clocks;
let captionLang = null;

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

function renderNow(live) {
  const f = live.state.floor;
  clocks.clear();
  const body = $('now-body');
  if (!f) {
    body.replaceChildren(el('p', 'now-empty', t('floor.nobody')));
    return;
  }
  const who = el('p', 'now-name');
  who.append(nameEl(speakerName(f)));
  const parts = [who, el('p', 'now-meta', speakerMeta(f, { named: true }))];
  if (f.kind && f.kind !== 'speak') parts.push(el('p', `now-kind badge badge-${f.kind}`, kindLabel(f.kind)));
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr';
  const label = el('p', 'clock-label');
  box.append(clock, label);
  parts.push(box);
  body.replaceChildren(...parts);
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
    if (entry.kind !== 'speak') name.append(' ', el('span', `badge badge-${entry.kind}`, kindLabel(entry.kind)));
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

// renderCaptions shows the last lines, the one being written growing as
// the captioner types; the area stays hidden until there is text.
function renderCaptions() {
  const shown = captionLang ? captions.segments(captionLang).filter((s) => s.text).slice(-CAPTION_LINES) : [];
  $('caption-lines').replaceChildren(...shown.map((seg) => {
    const p = el('p', seg.final ? 'caption-line' : 'caption-line caption-partial', seg.text);
    p.dir = 'auto';
    return p;
  }));
  $('captions').hidden = shown.length === 0;
  document.body.classList.toggle('has-captions', shown.length > 0);
}
