// What the chair knows of the media before calling a speaker: who is
// connected to publish and whose audio has arrived (GET .../media/publishers,
// asked every few seconds), whether the venue feed is on, and the hubs'
// links.

import { t } from './i18n.js';
import { apiURL } from './live.js';
import { el } from './format.js';

const POLL_MS = 2000;

export class ChairMedia extends EventTarget {
  constructor(live) {
    super();
    this.live = live;
    this.mics = new Map(); // sub -> {audio, live}
    this.venue = null; // the venue publisher, or null
    this.links = []; // the hubs' sessions' figures
    this.known = false; // the server has answered once
  }

  start() {
    this.#poll();
  }

  async #poll() {
    let again = true;
    try {
      const res = await fetch(apiURL(this.live.room, '/media/publishers'), {
        headers: { Authorization: `Bearer ${this.live.token}` },
        cache: 'no-store',
      });
      // No media on this server, or not a chair: nothing to show, ever.
      if (res.status === 404 || res.status === 403) again = false;
      if (res.ok) this.#apply(await res.json());
    } catch {
      // The network: try again at the next tick.
    }
    if (again) setTimeout(() => this.#poll(), POLL_MS);
  }

  #apply({ publishers, links }) {
    const state = () => JSON.stringify([...this.mics, this.venue]);
    const before = state();
    this.mics = new Map(publishers.filter((p) => p.kind === 'mic').map((p) => [p.sub, p]));
    this.venue = publishers.find((p) => p.kind === 'venue') ?? null;
    const first = !this.known;
    this.known = true;
    if (first || before !== state()) this.dispatchEvent(new Event('change'));
    // The figures move every report: they have their own event.
    this.links = links ?? [];
    this.dispatchEvent(new Event('links'));
  }

  // badge is the audio state of a speaker as a small label, or null when
  // there is nothing to say (the server has no media, or they speak in the
  // hall).
  badge(speaker) {
    if (!this.known || speaker.mode === 'in-room') return null;
    const p = this.mics.get(speaker.sub);
    const state = !p ? 'none' : !p.audio ? 'connecting' : p.live ? 'live' : 'ready';
    const b = el('span', `badge badge-audio audio-${state}`, t(`media.${state}`));
    b.dataset.audio = state;
    return b;
  }

  // venueText says whether the hall's feed reaches remote people.
  venueText() {
    if (!this.known) return '';
    if (!this.venue) return t('media.venueOff');
    return this.venue.audio ? t('media.venueOn') : t('media.venueConnecting');
  }
}
