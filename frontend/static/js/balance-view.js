// Balance charts: for each dimension and category, horizontal bars of the
// shares (requests, turns, speaking time) with the target marked on each.
// Bars are updated in place so that their widths animate as figures change.

import { category, has, t } from './i18n.js';
import { el, percent } from './format.js';
import { parseServerTime } from './live.js';

// The default dimensions in a fixed order; a room may configure others,
// which follow in alphabetical order.
const KNOWN = ['group', 'region', 'gender', 'mode'];

export const METRICS = {
  request_share: 'balance.requests',
  turn_share: 'balance.turns',
  time_share: 'balance.time',
};

// liveBalance is balance as of now (ms, server clock): while a turn runs,
// the speaker's categories gain the seconds since the server figured it,
// as the record will count them when the turn ends.
export function liveBalance(balance, now) {
  if (!balance.running || !balance.as_of) return balance;
  const extra = Math.max(0, (now - parseServerTime(balance.as_of)) / 1000);
  // Every speaker counts in gender (undisclosed when not declared), so the
  // total gains what the speaker does.
  const total = balance.totals.seconds + extra;
  const dimensions = {};
  for (const [dim, cats] of Object.entries(balance.dimensions ?? {})) {
    dimensions[dim] = cats.map((c) => {
      const seconds = c.seconds + (c.speaking ? extra : 0);
      return { ...c, seconds, time_share: total > 0 ? seconds / total : 0 };
    });
  }
  return { ...balance, totals: { ...balance.totals, seconds: total }, dimensions };
}

export function dimensionName(dim) {
  return has(`dim.${dim}`) ? t(`dim.${dim}`) : dim;
}

export function orderedDimensions(balance) {
  const dims = Object.keys(balance.dimensions ?? {});
  return [...KNOWN.filter((d) => dims.includes(d)), ...dims.filter((d) => !KNOWN.includes(d)).sort()];
}

export class BalanceView {
  // metrics lists which shares to draw, in order; headingLevel is the
  // level of each dimension's heading in the page's outline.
  constructor(root, metrics, headingLevel = 3) {
    this.root = root;
    this.metrics = metrics;
    this.headingTag = `h${headingLevel}`;
    this.rows = new Map(); // "dim/category" -> bar elements
    // With one share there is no need for a row per share: each category
    // is one line, named where the share's name would go.
    this.compact = metrics.length === 1;
  }

  render(balance) {
    const dims = orderedDimensions(balance);
    if (dims.length === 0) {
      this.rows.clear();
      this.root.replaceChildren(el('p', 'muted', t('balance.empty')));
      return;
    }
    // A share below target means something only once there is a total.
    const totals = { request_share: balance.totals.requests, turn_share: balance.totals.turns, time_share: balance.totals.seconds };
    this.counted = new Set(this.metrics.filter((m) => totals[m] > 0));
    const sections = dims.map((dim) => this.#dimension(dim, balance.dimensions[dim]));
    this.root.replaceChildren(...sections);
  }

  #dimension(dim, cats) {
    const section = el('section', 'dim');
    const id = `dim-${dim}-${this.metrics.join('-')}`;
    const h = el(this.headingTag, 'dim-title', dimensionName(dim));
    h.id = id;
    section.setAttribute('aria-labelledby', id);
    const list = el('ul', 'cats');
    list.setAttribute('role', 'list');
    for (const c of cats) list.append(this.#category(dim, c));
    section.append(h, list);
    return section;
  }

  // #category reuses a category's elements from the last render, so the
  // browser sees a width change and animates it.
  #category(dim, c) {
    const key = `${dim}/${c.category}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { li: el('li', this.compact ? 'cat compact' : 'cat'), name: el('span', 'cat-name'), target: el('span', 'cat-target'), bars: {} };
      if (!this.compact) {
        const head = el('p', 'cat-head');
        head.append(row.name, row.target);
        row.li.append(head);
      }
      for (const metric of this.metrics) {
        const line = el('p', `bar-row bar-${metric}`);
        const label = this.compact ? row.name : el('span', 'bar-label');
        const track = el('span', 'bar-track');
        track.setAttribute('aria-hidden', 'true'); // the figure beside it says the same
        const fill = el('span', 'bar-fill');
        const mark = el('span', 'bar-target');
        track.append(fill, mark);
        const value = el('span', 'bar-value');
        line.append(label, track, value);
        row.li.append(line);
        row.bars[metric] = { label, fill, mark, value, line };
      }
      this.rows.set(key, row);
    }
    row.name.textContent = category(c.category);
    row.target.textContent = t('balance.target', { share: percent(c.target) });
    for (const metric of this.metrics) {
      const bar = row.bars[metric];
      const share = c[metric] ?? 0;
      if (!this.compact) bar.label.textContent = t(METRICS[metric]);
      // CSSOM writes from a script are allowed by the page's CSP; inline
      // style attributes in the HTML would not be.
      bar.fill.style.width = `${Math.min(100, share * 100)}%`;
      bar.mark.style.insetInlineStart = `${Math.min(100, c.target * 100)}%`;
      bar.value.textContent = this.compact
        ? t('balance.compactValue', { share: percent(share), target: percent(c.target) })
        : percent(share);
      // Turns or time below target by more than five points: a category the
      // chair may want to bring in. Requests measure demand, not fairness.
      const outcome = metric !== 'request_share';
      bar.line.classList.toggle('below', outcome && this.counted.has(metric) && c.target - share > 0.05);
    }
    return row.li;
  }
}
