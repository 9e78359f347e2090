// The chair's keyboard shortcuts: one table drives the keys, the list on
// the page and the help dialog (?), so they cannot disagree. A shortcut
// never fires while the chair types in a field, nor with Ctrl or Cmd
// held, which belong to the browser.

import { t } from './i18n.js';
import { el } from './format.js';

// SHORTCUTS: [key as KeyboardEvent.key, label key, with Alt held].
const SHORTCUTS = [
  ['n', 'keys.next'],
  ['e', 'keys.end'],
  ['p', 'keys.pause'],
  ['x', 'keys.extend'],
  ['z', 'keys.undo'],
  ['q', 'keys.queue'],
  ['ArrowUp', 'keys.select'],
  ['ArrowUp', 'keys.moveUp', true],
  ['ArrowDown', 'keys.moveDown', true],
  ['c', 'keys.call'],
  ['?', 'keys.help'],
];

const KEY_NAMES = { ArrowUp: '↑', ArrowDown: '↓' };

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.closest('input, textarea, select, [contenteditable]') !== null);
}

// keyLabel is how the page writes a shortcut: "Alt + ↑", "N".
function keyLabel(key, alt) {
  const name = KEY_NAMES[key] ?? key.toUpperCase();
  return alt ? `${t('keys.alt')} + ${name}` : name;
}

// listShortcuts fills a <dl> with every shortcut and what it does.
export function listShortcuts(dl) {
  dl.replaceChildren(...SHORTCUTS.flatMap(([key, label, alt]) => {
    const dt = el('dt');
    const kbd = el('kbd', '', key === 'ArrowUp' && !alt ? `${keyLabel('ArrowUp')} ${keyLabel('ArrowDown')}` : keyLabel(key, alt));
    kbd.dir = 'ltr';
    dt.append(kbd);
    return [dt, el('dd', '', t(label))];
  }));
}

// onShortcuts calls actions[label key] for each shortcut pressed outside a
// field. Arrow keys without Alt are the queue rows' own.
export function onShortcuts(actions) {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.defaultPrevented || typing(e.target)) return;
    if (document.querySelector('dialog[open]') && e.key !== '?') return;
    const hit = SHORTCUTS.find(([key, , alt]) => (key.length === 1 ? e.key.toLowerCase() === key : e.key === key) && Boolean(alt) === e.altKey && !(key === 'ArrowUp' && !alt));
    const action = hit && actions[hit[1]];
    if (!action) return;
    e.preventDefault();
    action();
  });
}
