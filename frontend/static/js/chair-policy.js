// The queue policy in full: kind, measure, the bounds on waiting, the
// weight of each dimension, the target share of each category and the
// rotation pattern, with its effect previewed on the current queue. The
// server orders the preview with the queue package, as it will once the
// policy is applied: the page computes no order of its own.

import { category, ordinalOf, t } from './i18n.js';
import { apiURL, LiveError } from './live.js';
import { el, reasonEl, speakerName } from './format.js';
import { clearError, isEnabled, run, showError } from './page.js';

const $ = (id) => document.getElementById(id);
const DIMENSIONS = ['group', 'region', 'gender', 'mode'];

export class ChairPolicy {
  constructor(form, live) {
    this.form = form;
    this.live = live;
    this.dirty = false; // the chair is editing: updates do not overwrite the form
    this.shape = ''; // the dimensions and categories the inputs were built for
    form.addEventListener('input', () => {
      this.dirty = true;
      this.#show();
    });
    $('policy-preview').addEventListener('click', () => this.preview());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (!isEnabled(button)) return;
      if (await run(live, { type: 'set_policy', policy: this.policy() }, button)) {
        this.dirty = false;
        $('preview').hidden = true;
        this.render(live.state);
      }
    });
  }

  // categories are, per dimension, those the room counts (undisclosed
  // takes no target).
  #categories(s) {
    const out = {};
    for (const dim of DIMENSIONS) {
      out[dim] = (s.balance.dimensions?.[dim] ?? []).map((c) => c.category).filter((c) => c !== 'undisclosed');
    }
    for (const [dim, targets] of Object.entries(s.policy.targets ?? {})) {
      for (const c of Object.keys(targets)) if (!out[dim]?.includes(c)) (out[dim] ??= []).push(c);
    }
    return out;
  }

  render(s) {
    const cats = this.#categories(s);
    const shape = JSON.stringify(cats);
    if (shape !== this.shape) {
      this.#build(cats);
      this.shape = shape;
      if (this.dirty) return;
    }
    if (this.dirty) return;
    const p = s.policy;
    $('policy-kind').value = p.kind;
    $('policy-measure').value = p.measure || 'time';
    $('policy-passes').value = String(p.max_passes || '');
    $('policy-wait').value = p.max_wait_s ? String(Math.round(p.max_wait_s / 60)) : '';
    $('policy-pattern').value = (p.pattern ?? []).join(', ');
    for (const input of this.form.querySelectorAll('[data-weight]')) {
      input.value = String(p.weights?.[input.dataset.weight] ?? '');
    }
    for (const input of this.form.querySelectorAll('[data-target]')) {
      const [dim, cat] = input.dataset.target.split('/');
      const v = p.targets?.[dim]?.[cat];
      input.value = v === undefined ? '' : String(Math.round(v * 1000) / 10);
    }
    this.#show();
  }

  // #show shows the fields the chosen kind uses.
  #show() {
    const kind = $('policy-kind').value;
    for (const f of this.form.querySelectorAll('[data-for]')) f.hidden = f.dataset.for !== kind;
  }

  #build(cats) {
    $('policy-weights').replaceChildren(...DIMENSIONS.map((dim) => field(`weight-${dim}`, t(`dim.${dim}`), { weight: dim }, '0', '10', '0.1')));
    $('policy-targets').replaceChildren(...DIMENSIONS.filter((dim) => cats[dim].length > 0).map((dim) => {
      const box = el('fieldset', 'policy-dim');
      box.append(el('legend', '', t(`dim.${dim}`)));
      const grid = el('div', 'policy-grid');
      grid.append(...cats[dim].map((c) => field(`target-${dim}-${c}`, category(c), { target: `${dim}/${c}` }, '0', '100', '1')));
      box.append(grid);
      return box;
    }));
  }

  // policy is the policy the form says.
  policy() {
    const p = { kind: $('policy-kind').value, measure: $('policy-measure').value };
    const passes = Number($('policy-passes').value);
    if (passes) p.max_passes = passes;
    const wait = Math.round(Number($('policy-wait').value) * 60);
    if (wait) p.max_wait_s = wait;
    const weights = {};
    for (const input of this.form.querySelectorAll('[data-weight]')) {
      if (input.value !== '') weights[input.dataset.weight] = Number(input.value);
    }
    if (Object.keys(weights).length) p.weights = weights;
    const targets = {};
    for (const input of this.form.querySelectorAll('[data-target]')) {
      if (input.value === '') continue;
      const [dim, cat] = input.dataset.target.split('/');
      (targets[dim] ??= {})[cat] = Number(input.value) / 100;
    }
    if (Object.keys(targets).length) p.targets = targets;
    const pattern = $('policy-pattern').value.split(',').map((s) => s.trim()).filter(Boolean);
    if (pattern.length) p.pattern = pattern;
    return p;
  }

  async preview() {
    const button = $('policy-preview');
    if (button.dataset.busy) return;
    button.dataset.busy = 'true';
    try {
      const res = await fetch(apiURL(this.live.room, '/queue/preview'), {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.live.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ policy: this.policy() }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new LiveError(body.error?.code ?? 'network', body.error?.message ?? `HTTP ${res.status}`);
      clearError();
      this.#renderPreview(body.queue);
    } catch (err) {
      showError(err instanceof LiveError ? err : new LiveError('network', '', true));
    } finally {
      delete button.dataset.busy;
    }
  }

  #renderPreview(queue) {
    const now = new Map(this.live.state.queue.map((e) => [e.id, e.position]));
    const list = $('preview-list');
    list.replaceChildren(...queue.map((e) => {
      const li = el('li', 'preview-item');
      const head = el('p', 'entry-head');
      head.append(el('span', 'entry-pos', ordinalOf(e.position)), ' ', el('bdi', 'name', speakerName(e)));
      const was = now.get(e.id);
      if (was !== undefined && was !== e.position) head.append(' ', el('span', 'badge badge-moved', t('policy.was', { ordinal: ordinalOf(was) })));
      li.append(head, reasonEl(e));
      return li;
    }));
    if (queue.length === 0) list.append(el('li', 'muted', t('queue.empty')));
    $('preview').hidden = false;
    $('preview-h').focus();
  }
}

// field is a labelled number input carrying data attributes.
function field(id, label, data, min, max, step) {
  const wrap = el('div', 'field');
  const l = el('label', '', label);
  l.htmlFor = id;
  const input = el('input');
  input.id = id;
  input.type = 'number';
  input.min = min;
  input.max = max;
  input.step = step;
  input.inputMode = 'decimal';
  Object.assign(input.dataset, data);
  wrap.append(l, input);
  return wrap;
}
