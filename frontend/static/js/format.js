// Formatting shared by the pages: the floor's clock, durations, shares and
// the one-line description of a speaker.

import { category, currentLanguage, formatNumber, t } from './i18n.js';
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

// speakerMeta is a speaker's categories as a short line:
// "Civil society · Africa · Remote".
export function speakerMeta(sp) {
  const parts = [category(sp.group), category(sp.region)];
  parts.push(sp.hub ? t('meta.hub', { hub: sp.hub }) : category(sp.mode));
  return parts.filter(Boolean).join(' · ');
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

// reasonEl shows a reason as the server gave it, in English, marked so a
// screen reader pronounces it as English on a page in another language.
export function reasonEl(reason) {
  const node = el('p', 'reason', reason);
  node.lang = 'en';
  node.dir = 'auto';
  return node;
}

// nameEl shows a person's name isolated from the text around it, so a
// Latin name reads right on an Arabic page and the reverse.
export function nameEl(name, className = 'name') {
  return el('bdi', className, name);
}
