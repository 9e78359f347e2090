// The captioner console: the language written, the line being typed (sent
// live as it grows, see caption-line.js), who holds the floor, and the
// channel's recent lines, any finished one of which can be corrected.

import { announce, clearError, showError, startRoomPage } from './page.js';
import { t } from './i18n.js';
import { el, nameEl, speakerMeta } from './format.js';
import { Clocks } from './queue-view.js';
import { decodeToken } from './token.js';
import { CaptionLine } from './caption-line.js';
import { apiURL } from './live.js';
import { FLOOR, TranscriptFeed, languageName, validLanguage } from './transcript.js';
import { TranscriptView, decorate, lineEl } from './transcript-view.js';

const $ = (id) => document.getElementById(id);
const CAPTION_ROLES = new Set(['captioner', 'admin']);
const LANG_KEY = 'parley.captionLang';
// Lines kept on the console: enough to look back over the last minutes.
const KEEP = 100;
// Offered besides the room's own channels: the floor, the six official
// languages of the UN, and Portuguese.
const SUGGESTED = [FLOOR, 'en', 'fr', 'es', 'ar', 'zh', 'ru', 'pt'];

let clocks;
let lang; // the channel written
let fixedLang = null; // the one language the token allows, if it names one
let linePauseMs = null; // the server's line pause, once it has said it
const editing = new Map(); // segment id -> its correction form, while open

const live = await startRoomPage(render);
const feed = live && new TranscriptFeed(live, KEEP);
const view = live && new TranscriptView({
  scroller: $('tr-scroll'), list: $('tr-lines'), jump: $('tr-jump'),
  segments: () => feed.segments(lang), max: KEEP, line: consoleLine,
});
const line = live && new CaptionLine({
  editor: textEditor($('cap-text')),
  write: ({ text, final }) => live.request({ type: 'caption', lang, text, final }).then((ack) => {
    clearError();
    return ack.segment;
  }),
  correct: (seg, text) => live.request({ type: 'correct', lang: seg.lang, segment: seg.id, text }),
  failed: captionError,
  budget: () => live.budget,
});
if (live) start();

function start() {
  // The welcome message does not say which language a token allows, so the
  // claim is read from the token; the server checks every line against it.
  fixedLang = decodeToken(live.token)?.lang || null;
  const stored = localStorage.getItem(LANG_KEY);
  $('cap-lang').readOnly = Boolean(fixedLang);
  feed.addEventListener('update', (e) => {
    if (e.detail.lang === lang) view.update(e.detail.changed);
  });
  feed.addEventListener('error', (e) => captionError(e.detail));
  wire();
  setLanguage(fixedLang ?? (stored && validLanguage(stored) ? stored : FLOOR));
  learnLinePause();
}

// learnLinePause asks the server how long a pause finishes a line, so the
// console finishes it after the same pause and says so. Until it answers,
// or if it cannot, the server alone finishes paused lines.
async function learnLinePause() {
  try {
    const res = await fetch(`${apiURL(live.room, '/captions/seq')}?lang=${FLOOR}`, {
      headers: { Authorization: `Bearer ${live.token}` },
      cache: 'no-store',
    });
    if (!res.ok) return;
    const { line_idle_ms: ms } = await res.json();
    if (!(ms > 0)) return;
    line.idleMs = linePauseMs = ms;
    names();
  } catch {
    // the network is down: the live connection says so
  }
}

function render(live, keys) {
  clocks ??= new Clocks(live);
  const all = !keys;
  const s = live.state;
  if (all || keys.has('agenda_item')) $('agenda').textContent = s.agenda_item || t('agenda.none');
  if (all || keys.has('floor')) renderFloor(s.floor);
  if (all || keys.has('languages')) {
    const tags = [...new Set([...SUGGESTED, ...s.languages])];
    $('cap-langs').replaceChildren(...tags.map((tag) => new Option(languageName(tag), tag)));
  }
  const role = live.you.role;
  $('role-warning').textContent = CAPTION_ROLES.has(role) ? '' : t('caption.notCaptioner', { role: t(`role.${role}`) });
  if (all && lang) {
    names();
    view.refresh();
  }
}

function renderFloor(f) {
  clocks.clear();
  const body = $('floor-body');
  if (!f) {
    body.replaceChildren(el('p', 'muted', t('floor.nobody')));
    return;
  }
  const who = el('div', 'cap-floor-who');
  const name = el('p', 'floor-name');
  name.append(nameEl(f.name));
  who.append(name, el('p', 'meta', speakerMeta(f)));
  const box = el('div', 'clock-box');
  const clock = el('p', 'clock');
  clock.dir = 'ltr';
  const label = el('p', 'clock-label');
  box.append(clock, label);
  body.replaceChildren(who, box);
  clocks.add({ node: clock, label, box });
}

function setLanguage(next) {
  lang = next;
  $('cap-lang').value = next;
  // Spelling is checked, and screen readers speak, in the language written.
  for (const node of [$('cap-text'), $('tr-lines')]) {
    if (next === FLOOR) node.removeAttribute('lang');
    else node.lang = next;
  }
  names();
  editing.clear();
  feed.follow([next]);
  view.show();
}

function names() {
  $('cap-lang-name').textContent = languageName(lang);
  $('cap-lang-help').textContent = fixedLang
    ? t('caption.langFixed', { name: languageName(fixedLang) })
    : t('caption.langHelp');
  $('lines-h').textContent = t('caption.lines', { name: languageName(lang) });
  $('cap-help-pause').textContent = linePauseMs ? t('caption.helpPause', { count: linePauseMs / 1000 }) : '';
}

function wire() {
  const area = $('cap-text');
  area.addEventListener('input', () => line.typed());
  area.addEventListener('keydown', (e) => {
    // A line has no line breaks: Enter ends it (but not while an input
    // method is still composing a character).
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      line.finish();
    }
  });
  $('cap-finish').addEventListener('click', () => {
    line.finish();
    area.focus();
  });
  const input = $('cap-lang');
  input.addEventListener('change', () => {
    const next = input.value.trim().toLowerCase();
    if (!validLanguage(next)) {
      input.setAttribute('aria-invalid', 'true');
      $('cap-lang-error').textContent = t('caption.langInvalid', { tag: input.value.trim() });
      return;
    }
    input.removeAttribute('aria-invalid');
    $('cap-lang-error').textContent = '';
    if (next === lang) return;
    line.finish(); // the line under way belongs to the language it was begun in
    localStorage.setItem(LANG_KEY, next);
    setLanguage(next);
  });
}

// textEditor is the text box as CaptionLine sees it. Words taken off its
// start leave the caret where it was among the words that remain.
function textEditor(area) {
  return {
    get: () => area.value,
    set: (text) => {
      const fromEnd = area.value.length - area.selectionEnd;
      area.value = text;
      const at = Math.max(0, text.length - fromEnd);
      area.setSelectionRange(at, at);
    },
  };
}

// consoleLine shows a finished line as a button that opens its correction,
// and a line being corrected as its form.
function consoleLine(seg) {
  const form = editing.get(seg.id);
  if (form) return form;
  if (!seg.final) return lineEl(seg);
  const button = el('button', 'tr-line tr-fix');
  button.type = 'button';
  button.dir = 'auto';
  button.append(seg.text);
  decorate(button, seg);
  button.setAttribute('aria-describedby', 'edit-hint');
  button.addEventListener('click', () => openCorrection(seg.id));
  return button;
}

function openCorrection(id) {
  const seg = feed.segment(lang, id);
  const form = correctionForm(seg);
  editing.set(id, form);
  view.update([seg]);
  const area = form.querySelector('textarea');
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

// closeCorrection puts the line back, as it now stands, with focus on it.
function closeCorrection(id) {
  editing.delete(id);
  view.update([feed.segment(lang, id)]);
}

function correctionForm(seg) {
  const form = el('form', 'tr-fix-form');
  const area = el('textarea', 'tr-fix-text');
  area.id = `fix-${seg.id}`;
  area.rows = 2;
  area.dir = 'auto';
  area.value = seg.text;
  if (seg.lang !== FLOOR) area.lang = seg.lang;
  const label = el('label', 'visually-hidden', t('caption.fixLabel'));
  label.htmlFor = area.id;
  const save = el('button', 'primary small', t('caption.save'));
  save.type = 'submit';
  const cancel = el('button', 'small', t('caption.cancel'));
  cancel.type = 'button';
  const row = el('div', 'button-row');
  row.append(save, cancel);
  form.append(label, area, row);
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      closeCorrection(seg.id);
    }
  });
  cancel.addEventListener('click', () => closeCorrection(seg.id));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = area.value.replace(/\s+/g, ' ').trim();
    if (save.dataset.busy) return;
    if (text === seg.text) {
      closeCorrection(seg.id);
      return;
    }
    save.dataset.busy = 'true';
    try {
      await live.request({ type: 'correct', lang: seg.lang, segment: seg.id, text });
      clearError();
      closeCorrection(seg.id);
      announce(t('caption.saved'));
    } catch (err) {
      captionError(err);
    } finally {
      delete save.dataset.busy;
    }
  });
  return form;
}

// captionError words the refusals a captioner can act on; the server's own
// message explains the rest.
function captionError(err) {
  let ours;
  if (err.code === 'forbidden') {
    ours = CAPTION_ROLES.has(live.you.role) ? t('caption.err.lang', { name: languageName(lang) }) : t('caption.err.role');
  } else if (err.code === 'rate_limited') {
    ours = t('caption.err.rate_limited');
  }
  showError(err, ours);
}
