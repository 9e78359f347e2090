// The chair's queue as a compact table: position, name, group, region,
// kind, how long each has waited and why they stand there, with the
// chair's overrides (call out of order, move, skip once, remove), each
// asking for the reason that goes into the record in a small form under
// the entry. One row is selected: the keyboard moves the selection and
// acts on it (see chair-keys.js).

import { category, ordinalOf, t } from './i18n.js';
import { clockText, clockTime, el, kindLabel, nameEl, reasonEl, speakerName } from './format.js';
import { parseServerTime } from './live.js';
import { onPress, run } from './page.js';
import { replyingTo } from './queue-view.js';

const ACTIONS = ['call', 'move', 'skip', 'remove'];
const COLUMNS = 8;

export class ChairQueue {
  constructor(table, live, media) {
    this.table = table;
    this.live = live;
    this.media = media;
    this.items = new Map(); // request id -> {body, row, cells, buttons, form, entry, mode}
    this.order = []; // request ids in the queue's order
    this.selected = null;
  }

  // render puts the entries in the server's order, reusing each entry's
  // elements so an open form, its typing and keyboard focus survive
  // the queue changing around it.
  render(queue) {
    const focused = document.activeElement;
    const index = this.order.indexOf(this.selected);
    for (const [id, item] of this.items) {
      if (!queue.some((e) => e.id === id)) {
        item.body.remove();
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
      const at = this.table.tBodies[i];
      if (at !== item.body) this.table.insertBefore(item.body, at ?? null);
    });
    this.order = queue.map((e) => e.id);
    // The selection stays with its request, or with its place when the
    // request has left.
    if (!this.items.has(this.selected)) this.selected = this.order[Math.min(Math.max(index, 0), this.order.length - 1)] ?? null;
    this.#mark();
    this.tick(this.live.now());
    // Moving a node in the document blurs it; give focus back.
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus();
    else if (focused?.classList?.contains('queue-row') && !focused.isConnected) this.focus();
  }

  // tick refreshes how long each has waited.
  tick(now) {
    for (const item of this.items.values()) {
      const text = clockText(Math.max(now - parseServerTime(item.entry.raised_at), 0));
      if (item.cells.waited.textContent !== text) item.cells.waited.textContent = text;
    }
  }

  get selectedEntry() {
    return this.items.get(this.selected)?.entry ?? null;
  }

  // focus puts keyboard focus on the selected row, or on the queue's
  // heading when nobody is waiting.
  focus() {
    const item = this.items.get(this.selected);
    if (item) item.row.focus();
    else document.getElementById('queue-h').focus();
  }

  // step selects the row delta rows away and focuses it.
  step(delta) {
    const i = this.order.indexOf(this.selected);
    const next = this.order[Math.min(Math.max(i + delta, 0), this.order.length - 1)] ?? this.order.at(delta < 0 ? 0 : -1);
    if (!next) return;
    this.selected = next;
    this.#mark();
    this.focus();
  }

  // act opens the form of action on the selected entry; a move goes
  // delta places up (-1) or down (1).
  act(action, delta = 0) {
    const item = this.items.get(this.selected);
    if (!item) return false;
    this.#open(item, action);
    if (action === 'move') {
      const pos = Math.min(Math.max(item.entry.position + delta, 1), this.order.length);
      item.form.position.value = String(pos);
      item.form.reason.focus();
    }
    return true;
  }

  #mark() {
    for (const [id, item] of this.items) {
      const on = id === this.selected;
      item.row.tabIndex = on ? 0 : -1;
      item.row.classList.toggle('is-selected', on);
      if (on) item.row.setAttribute('aria-current', 'true');
      else item.row.removeAttribute('aria-current');
    }
  }

  #item(entry) {
    const body = el('tbody', 'queue-entry');
    const row = el('tr', 'queue-row');
    const cells = {};
    for (const name of ['pos', 'name', 'group', 'region', 'kind', 'waited', 'reason', 'actions']) {
      cells[name] = el('td', `col-${name}`);
      row.append(cells[name]);
    }
    cells.waited.dir = 'ltr';
    const buttons = {};
    const actions = el('div', 'entry-actions');
    for (const action of ACTIONS) {
      const b = el('button', 'small');
      b.type = 'button';
      b.setAttribute('aria-expanded', 'false');
      onPress(b, () => this.#open(item, action));
      buttons[action] = b;
      actions.append(b);
    }
    cells.actions.append(actions);
    const formRow = el('tr', 'form-row');
    formRow.hidden = true;
    const formCell = el('td');
    formCell.colSpan = COLUMNS;
    const form = this.#form(entry.id);
    formCell.append(form.root);
    formRow.append(formCell);
    body.append(row, formRow);
    const item = { body, row, cells, buttons, form, formRow, entry, mode: null };
    form.item = item;
    row.addEventListener('focus', () => {
      if (this.selected === entry.id) return;
      this.selected = entry.id;
      this.#mark();
    });
    row.addEventListener('keydown', (e) => {
      if (e.target !== row || e.altKey || e.ctrlKey || e.metaKey) return;
      const delta = { ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity }[e.key];
      if (delta) {
        e.preventDefault();
        this.step(delta);
      }
    });
    return item;
  }

  #fill(item, entry, length) {
    item.entry = entry;
    const { cells } = item;
    cells.pos.textContent = ordinalOf(entry.position);
    const name = el('p', 'entry-head');
    name.append(nameEl(speakerName(entry)));
    const lines = [name];
    const mode = entry.hub && speakerName(entry) === entry.name ? t('meta.hub', { hub: entry.hub_name || entry.hub }) : category(entry.mode);
    const extra = [mode, entry.gender ? t('chair.gender', { gender: category(entry.gender) }) : ''].filter(Boolean);
    const meta = el('p', 'meta clamp', extra.join(' · '));
    meta.title = meta.textContent;
    // A row says its audio once it has some: "no audio" on every row of
    // a long queue would be noise.
    let audio = this.media.badge(entry);
    if (audio?.classList.contains('audio-none')) audio = null;
    if (audio) meta.append(' ', audio);
    if (extra.length || audio) lines.push(meta);
    const reply = replyingTo(entry);
    if (reply) {
      reply.classList.add('clamp');
      reply.title = reply.textContent;
      lines.push(reply);
    }
    if (entry.note) {
      const note = el('p', 'note clamp', t('chair.note', { note: entry.note }));
      note.title = note.textContent;
      lines.push(note);
    }
    cells.name.replaceChildren(...lines);
    for (const cell of ['group', 'region']) {
      const value = category(entry[cell]) || '—';
      const span = el('span', 'clamp', value);
      span.title = value;
      cells[cell].replaceChildren(span);
    }
    cells.kind.replaceChildren(entry.kind && entry.kind !== 'speak'
      ? el('span', `badge badge-${entry.kind}`, kindLabel(entry.kind))
      : kindLabel(entry.kind));
    const why = reasonEl(entry);
    why.classList.add('clamp');
    why.title = why.textContent;
    cells.reason.replaceChildren(why);
    // Phones show each request as a card, its cells named.
    for (const [cell, key] of [['group', 'colGroup'], ['region', 'colRegion'], ['kind', 'colKind'], ['waited', 'colWaited']]) {
      cells[cell].dataset.label = t(`chair.${key}`);
    }
    cells.waited.title = t('chair.raisedAt', { time: clockTime(entry.raised_at) });
    for (const action of ACTIONS) {
      // The visible word leads the accessible name, which adds whose entry.
      item.buttons[action].textContent = t(action === 'call' ? 'chair.callShort' : `chair.${action}`);
      item.buttons[action].setAttribute('aria-label', t(`chair.${action}Who`, { name: speakerName(entry) }));
    }
    item.form.position.max = String(length);
    if (item.mode) this.#label(item);
  }

  #form(id) {
    const root = el('form', 'entry-form');
    root.noValidate = true;
    const posField = el('div', 'field field-position');
    const posLabel = el('label', '');
    const position = el('input', '');
    position.type = 'number';
    position.min = '1';
    position.id = `pos-${id}`;
    posLabel.htmlFor = position.id;
    posField.append(posLabel, position);
    const reasonField = el('div', 'field field-reason');
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
    this.selected = item.entry.id;
    this.#mark();
    const f = item.form;
    item.formRow.hidden = false;
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
    item.formRow.hidden = true;
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
    // A call or remove takes the entry off the queue; focus goes to the
    // selected row, or the heading.
    if (done && item.body.isConnected) this.#close(item);
    else if (done) this.focus();
  }
}
