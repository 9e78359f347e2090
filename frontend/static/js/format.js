// Formatting shared by the pages: the floor's clock, durations, shares and
// the one-line description of a speaker.

import { category, currentLanguage, formatNumber, has, hasOwn, t } from './i18n.js';
import { parseServerTime } from './live.js';

// floorClock is what a screen shows for the floor at server time now:
// the remaining time (frozen while paused), and its phase.
export function floorClock(floor, now) {
  const ms = floor.paused
    ? floor.remaining_s * 1000
    : parseServerTime(floor.ends_at) - now;
  let phase = 'running';
  if (floor.paused) phase = 'paused';
  else if (ms < 0) phase = 'over';
  else if (now >= parseServerTime(floor.warn_at)) phase = 'warn';
  return { ms, phase, text: clockText(ms) };
}

// clockText writes 1:05 for time left and +0:12 for time over. Seconds
// round up while counting down and down once over, so the display goes
// 0:01, 0:00 (the time is up), +0:01.
export function clockText(ms) {
  const over = ms < 0;
  const total = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  const text = `${formatNumber(m)}:${formatNumber(s, { minimumIntegerDigits: 2 })}`;
  return over && total > 0 ? `+${text}` : text;
}

// duration writes seconds as "2 min 05 s" in the page's language.
export function duration(seconds) {
  const total = Math.round(seconds);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m > 0 ? t('duration.ms', { m, s }) : t('duration.s', { s });
}

export function percent(fraction) {
  return formatNumber(fraction, { style: 'percent', maximumFractionDigits: 0 });
}

export function clockTime(iso) {
  return new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'medium' })
    .format(parseServerTime(iso));
}

// dateText writes a server time's day: "1 December 2026", "1 décembre 2026".
export function dateText(iso) {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long' })
    .format(parseServerTime(iso));
}

// speakerMeta is a speaker's delegation or country and categories as a
// short line: "Kenya · Civil society · Africa · Remote", or "… · hub:
// Nairobi hub". Where the name is shown as speakerName gives it (named), a
// hub it already says is not said again: "… · Hub". gender adds the
// declared gender, for a reader's own line only.
export function speakerMeta(sp, { named = false, gender = false } = {}) {
  const parts = [...speakerOrigin(sp), category(sp.group), category(sp.region)];
  if (gender) parts.push(category(sp.gender));
  const said = named && speakerName(sp) !== sp.name;
  parts.push(sp.hub && !said ? t('meta.hub', { hub: sp.hub_name || sp.hub }) : category(sp.mode));
  return parts.filter(Boolean).join(' · ');
}

// speakerOrigin is whom a speaker speaks for and their country, named in
// the page's language ("KE" is "Kenya", "كينيا"), once when both say the
// same.
export function speakerOrigin(sp) {
  const country = countryName(sp.country);
  return [...new Set([sp.delegation, country].filter(Boolean))];
}

function countryName(code) {
  if (!code || !/^[a-z]{2}$/i.test(code)) return code || '';
  try {
    return new Intl.DisplayNames([currentLanguage()], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

// speakerName is how a speaker is named in queues and on the floor: a
// request a hub forwarded carries the hub's name, "Nairobi hub — Amina
// Diallo".
export function speakerName(sp) {
  return sp.hub_name && sp.mode === 'hub' ? t('hub.speaker', { hub: sp.hub_name, name: sp.name }) : sp.name;
}

export function kindLabel(kind) {
  return t(`kind.${kind || 'speak'}`);
}

// el builds an element with classes and text, keeping page code short
// without reaching for innerHTML.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// reasonEl shows why an entry stands where it does; setReason refills it
// when the queue changes.
export function reasonEl(entry) {
  const node = el('p', 'reason');
  setReason(node, entry);
  return node;
}

export function setReason(node, entry) {
  const text = whyText(entry.why);
  if (text !== null) {
    node.textContent = text;
    node.removeAttribute('lang');
    node.removeAttribute('dir');
    return;
  }
  // No code we know: the server's English wording, marked as English so a
  // screen reader pronounces it right on a page in another language.
  node.textContent = entry.reason ?? '';
  node.lang = 'en';
  node.dir = 'auto';
}

// English says "women have had" but "civil society has had"; the other
// catalogues word the share reasons so that no verb agrees with the name.
const PLURAL = new Set(['intergovernmental', 'woman', 'man', 'non-binary', 'undisclosed', 'in-room', 'remote', 'hub']);

// whyText says a queue reason (queue.Why on the server) in the page's
// language, or null when there is none or its code is unknown.
export function whyText(why) {
  if (!why || typeof why.code !== 'string') return null;
  switch (why.code) {
    case 'point_of_order':
    case 'reply':
    case 'no_slot':
    case 'below_target':
      return t(`why.${why.code}`);
    case 'moved':
    case 'skipped':
      // The chair's own words, as typed.
      return t(`why.${why.code}`, { note: why.note ?? '' });
    case 'fifo':
      if (!why.asked_at) return null;
      return t('why.fifo', { time: clockTime(why.asked_at) });
    case 'rotation':
      return t('why.rotation', {
        round: why.round ?? 0, slot: why.slot ?? 0, slots: why.slots ?? 0, name: slotName(why.category),
      });
    case 'overdue':
      return t('why.overdue', { count: why.passes ?? 0 });
    case 'due':
      if (!why.asked_at) return null;
      return t('why.due', { time: clockTime(why.asked_at), minutes: waitMinutes(why) });
    case 'waiting':
      return why.ahead ? t('why.waiting', { count: why.ahead }) : t('why.waiting.none');
    case 'share':
    case 'before':
    case 'after': {
      const count = why.ahead ?? 0;
      if (!why.category) {
        if (why.code !== 'after') return null;
        return why.max_wait_s ? t('why.after.due', { count, minutes: waitMinutes(why) }) : t('why.after.overdue', { count });
      }
      const measure = why.measure === 'turns' ? 'turns' : 'time';
      const [share, target] = shareFigures(why.share ?? 0, why.target ?? 0);
      const had = t(PLURAL.has(why.category) ? 'why.had.other' : 'why.had.one');
      return t(`why.${why.code}.${measure}`, { category: sentenceCategory(why.category), share, target, had, count });
    }
  }
  return null;
}

// waitMinutes is a reason's bound on waiting in minutes, to a tenth.
function waitMinutes(why) {
  return Math.round((why.max_wait_s ?? 0) / 6) / 10;
}

// shareFigures writes a share and its target as percentages, with a decimal
// when whole numbers would make them look equal though they are not.
function shareFigures(share, target) {
  const fmt = (x, d) => formatNumber(x, { style: 'percent', minimumFractionDigits: d, maximumFractionDigits: d });
  let s = fmt(share, 0);
  let tg = fmt(target, 0);
  if (s === tg && share !== target) {
    s = fmt(share, 1);
    tg = fmt(target, 1);
  }
  return [s, tg];
}

// sentenceCategory names a category inside a reason: a catalogue's own
// why.cat.* form when it has one (English: "civil society", "women"),
// otherwise the category's label.
function sentenceCategory(value) {
  if (!value) return '';
  return hasOwn(`why.cat.${value}`) ? t(`why.cat.${value}`) : category(value);
}

// slotName names a rotation slot; some stand for several categories.
function slotName(value) {
  if (!value) return '';
  return has(`why.slot.${value}`) ? t(`why.slot.${value}`) : sentenceCategory(value);
}

// nameEl shows a person's name isolated from the text around it, so a
// Latin name reads right on an Arabic page and the reverse.
export function nameEl(name, className = 'name') {
  return el('bdi', className, name);
}
