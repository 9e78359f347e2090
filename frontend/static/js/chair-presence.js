// Who is connected, for the chair: each person by name and role (from the
// chair's view of the presence message, at most the server's bound, then
// "and N more"), and each hub known to the room, online or offline since
// when, with its link's figures while it has a media session (GET
// .../media/publishers, which ChairMedia polls).

import { category, formatNumber, has, t } from './i18n.js';
import { clockTime, el, nameEl } from './format.js';

export class ChairPresence {
  constructor(hubs, connected, more) {
    this.hubs = hubs;
    this.connected = connected;
    this.more = more;
  }

  // render shows presence (the chair's view) and links, the hubs' media
  // figures by session.
  render(presence, links) {
    this.#renderHubs(presence.hubs ?? [], links);
    this.connected.replaceChildren(...(presence.connected ?? []).map(personItem));
    this.more.textContent = presence.more ? t('chair.connectedMore', { count: presence.more }) : '';
  }

  #renderHubs(hubs, links) {
    const none = document.getElementById('hubs-none');
    none.hidden = hubs.length > 0;
    this.hubs.replaceChildren(...hubs.map((h) => hubItem(h, links.find((l) => l.hub === h.hub))));
  }
}

function personItem(p) {
  const li = el('li', 'person');
  li.append(nameEl(p.name || p.sub));
  const about = [has(`role.${p.role}`) ? t(`role.${p.role}`) : p.role];
  // A hub's coordinator takes part as a hub: said once.
  if (p.mode && p.mode !== p.role) about.push(category(p.mode));
  if (p.hub_name || p.hub) about.push(p.hub_name || p.hub);
  if (p.connections > 1) about.push(t('chair.connections', { count: p.connections }));
  li.append(' ', el('span', 'meta', about.join(' · ')));
  return li;
}

function hubItem(h, link) {
  const li = el('li', `hub-status ${h.online ? 'is-online' : 'is-offline'}`);
  li.dataset.hub = h.hub;
  const head = el('p', 'hub-head');
  head.append(nameEl(h.hub_name || h.hub), ' ',
    el('span', `badge ${h.online ? 'badge-online' : 'badge-offline'}`, t(h.online ? 'chair.hubOnline' : 'chair.hubOffline')),
    ' ', el('span', 'muted', t('chair.hubSince', { time: clockTime(h.since) })));
  li.append(head);
  if (!h.online) return li;
  if (!link) {
    li.append(el('p', 'muted', t('chair.hubNoMedia')));
    return li;
  }
  const ms = (s) => (s === null ? '—' : formatNumber(s * 1000, { style: 'unit', unit: 'millisecond', maximumFractionDigits: 0 }));
  const dl = el('dl', 'link-figures');
  for (const [key, value] of [
    ['hub.rtt', ms(link.rtt_s)],
    ['hub.loss', link.loss === null ? '—' : formatNumber(link.loss, { style: 'percent', maximumFractionDigits: 1 })],
    ['hub.jitter', ms(link.jitter_s)],
  ]) {
    const item = el('div');
    item.append(el('dt', '', t(key)), el('dd', '', value));
    dl.append(item);
  }
  li.append(dl);
  return li;
}
