// The chair's queue: every entry with its reason, categories and audio, and the
// chair's overrides (call out of order, move, skip once, remove), each
// asking for the reason that goes into the record in a small form inside
// the entry.

import { category, t } from './i18n.js';
import { clockTime, el, speakerName } from './format.js';
import { entryBody } from './queue-view.js';
import { onPress, run } from './page.js';

const ACTIONS = ['call', 'move', 'skip', 'remove'];

export class ChairQueue {
  constructor(list, live, media) {
    this.list = list;
    this.live = live;
    this.media = media;
    this.items = new Map(); // request id -> {li, body, buttons, form}
  }

  // render puts the entries in the server's order, reusing each entry's
  // elements so an open form, its typing and keyboard focus survive
  // the queue changing around it.
  render(queue) {
    const focused = document.activeElement;
    for (const [id, item] of this.items) {
      if (!queue.some((e) => e.id === id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
    queue.forEach((entry, i) => {
      let item = this.items.get(entry.id);
      if (!item) {
        item = this.#item(entry);
        this.items.set(entry.id, item);
      }
      this.#fill(item, entry, queue.length);
      if (this.list.children[i] !== item.li) this.list.insertBefore(item.li, this.list.children[i] ?? null);
    });
    // Moving a node in the document blurs it; give focus back.
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus();
  }

  #item(entry) {
    const li = el('li', 'queue-item chair-item');
    const slot = el('div', 'entry-slot');
    const actions = el('div', 'button-row entry-actions');
    const buttons = {};
    for (const action of ACTIONS) {
      const b = el('button', 'small');
      b.type = 'button';
      b.setAttribute('aria-expanded', 'false');
      onPress(b, () => this.#open(item, action));
      buttons[action] = b;
      actions.append(b);
    }
    const form = this.#form(entry.id);
    li.append(slot, actions, form.root);
    const item = { li, slot, buttons, form, entry, mode: null };
    form.item = item;
    return item;
  }

  #fill(item, entry, length) {
    item.entry = entry;
    const body = entryBody(entry, null);
    const audio = this.media.badge(entry);
    if (audio) body.querySelector('.entry-head').append(' ', audio);
    const extra = el('p', 'meta');
    const parts = [t('chair.raisedAt', { time: clockTime(entry.raised_at) })];
    if (entry.gender) parts.push(t('chair.gender', { gender: category(entry.gender) }));
    extra.textContent = parts.join(' · ');
    body.querySelector('.entry-body').append(extra);
    if (entry.note) body.querySelector('.entry-body').append(el('p', 'note', t('chair.note', { note: entry.note })));
    item.slot.replaceChildren(body);
    for (const action of ACTIONS) {
      // The visible word leads the accessible name, which adds whose entry.
      item.buttons[action].textContent = t(`chair.${action}`);
      item.buttons[action].setAttribute('aria-label', t(`chair.${action}Who`, { name: speakerName(entry) }));
    }
    item.form.position.max = String(length);
    if (item.mode) this.#label(item);
  }

  #form(id) {
    const root = el('form', 'entry-form');
    root.hidden = true;
    root.noValidate = true;
    const posField = el('div', 'field field-position');
    const posLabel = el('label', '');
    const position = el('input', '');
    position.type = 'number';
    position.min = '1';
    position.id = `pos-${id}`;
    posLabel.htmlFor = position.id;
    posField.append(posLabel, position);
    const reasonField = el('div', 'field');
    const reasonLabel = el('label', '');
    const reason = el('input', '');
    reason.type = 'text';
    reason.maxLength = 280;
    reason.autocomplete = 'off';
    reason.dir = 'auto';
    reason.id = `reason-${id}`;
    reasonLabel.htmlFor = reason.id;
    const error = el('p', 'field-error');
    error.id = `err-${id}`;
    reason.setAttribute('aria-describedby', error.id);
    reasonField.append(reasonLabel, reason, error);
    const submit = el('button', 'primary small');
    submit.type = 'submit';
    const cancel = el('button', 'small');
    cancel.type = 'button';
    const row = el('div', 'button-row');
    row.append(submit, cancel);
    root.append(posField, reasonField, row);
    const form = { root, posField, posLabel, position, reasonLabel, reason, error, submit, cancel };
    cancel.addEventListener('click', () => this.#close(form.item));
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.#close(form.item);
    });
    root.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submit(form.item);
    });
    return form;
  }

  #open(item, mode) {
    if (item.mode) item.buttons[item.mode].setAttribute('aria-expanded', 'false');
    item.mode = mode;
    const f = item.form;
    f.root.hidden = false;
    f.posField.hidden = mode !== 'move';
    f.error.textContent = '';
    f.position.value = String(item.entry.position);
    item.buttons[mode].setAttribute('aria-expanded', 'true');
    this.#label(item);
    (mode === 'move' ? f.position : f.reason).focus();
  }

  #label(item) {
    const f = item.form;
    f.posLabel.textContent = t('chair.position');
    f.reasonLabel.textContent = t('chair.reason');
    f.submit.textContent = t(`chair.${item.mode}Submit`);
    f.cancel.textContent = t('chair.cancel');
  }

  #close(item) {
    if (!item?.mode) return;
    const button = item.buttons[item.mode];
    button.setAttribute('aria-expanded', 'false');
    item.mode = null;
    item.form.root.hidden = true;
    item.form.reason.value = '';
    button.focus();
  }

  async #submit(item) {
    const f = item.form;
    const reason = f.reason.value.trim();
    if (!reason) {
      f.error.textContent = t('chair.reasonRequired');
      f.reason.setAttribute('aria-invalid', 'true');
      f.reason.focus();
      return;
    }
    f.reason.removeAttribute('aria-invalid');
    f.error.textContent = '';
    const command = { type: item.mode, request: item.entry.id, reason };
    if (item.mode === 'move') command.position = Number(f.position.value);
    const done = await run(this.live, command, f.submit);
    // A call or remove takes the entry off the queue; focus goes to the list.
    if (done && item.li.isConnected) this.#close(item);
    else if (done) document.getElementById('queue-h').focus();
  }
}
