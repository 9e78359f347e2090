// Being called, so that nobody misses it: when your request comes to the
// head of the queue and when you are given the floor, the tab's title and
// icon change, a short chime plays (unless turned off, remembered on this
// device), a phone vibrates, a system notification shows while the tab is
// hidden, and screen readers hear it at once (an assertive live region).
// Notification permission is asked when you raise your hand, never on load:
// that is when being told makes sense to you (asking again once granted is
// answered at once, without a prompt).

import { t } from './i18n.js';

const SOUND_KEY = 'parley.callSound';
const VIBRATION = { next: [150], floor: [250, 120, 250] };
// A chime per moment: two rising notes for "next", three for the floor.
const NOTES = { next: [660, 880], floor: [660, 880, 1175] };
const NOTE_S = 0.16;
const ICON_COLOUR = { next: '#b35c00', floor: '#1a7f37' };

export class CallSignal {
  // els: {toggle: the sound checkbox, region: the assertive live region,
  // icon: the page's <link rel="icon">}.
  constructor(els) {
    this.els = els;
    this.state = undefined; // null, 'next' or 'floor'; undefined before the first render
    this.plainIcon = els.icon.href;
    this.audio = null;
    els.toggle.checked = localStorage.getItem(SOUND_KEY) !== 'off';
    els.toggle.addEventListener('change', () => {
      localStorage.setItem(SOUND_KEY, els.toggle.checked ? 'on' : 'off');
      if (els.toggle.checked) this.#unlockAudio();
    });
  }

  // prepare runs on the press that raises a hand: a browser lets a page
  // start sound and ask for notifications only from a person's gesture.
  prepare() {
    if (this.els.toggle.checked) this.#unlockAudio();
    if ('Notification' in window && Notification.permission !== 'denied') {
      Notification.requestPermission().catch(() => {});
    }
  }

  // update takes what you are now (null, 'next' or 'floor') and the room's
  // title; a change after the page first showed is signalled.
  update(state, roomTitle) {
    const before = this.state;
    this.state = state;
    this.#mark(roomTitle);
    if (before === undefined || before === state || !state) return;
    const text = state === 'floor' ? t('participant.call.floor') : t('participant.call.next');
    this.els.region.textContent = '';
    // Emptied then filled a moment later, so the same words are heard again.
    setTimeout(() => {
      this.els.region.textContent = text;
    }, 100);
    if (this.els.toggle.checked) this.#chime(state);
    navigator.vibrate?.(VIBRATION[state]);
    if (document.hidden && 'Notification' in window && Notification.permission === 'granted') {
      try {
        const n = new Notification(text, { body: roomTitle || '', tag: 'parley-call', icon: this.els.icon.href });
        n.onclick = () => {
          window.focus();
          n.close();
        };
      } catch {
        // Some phones allow notifications only from a service worker.
      }
    }
  }

  // #mark puts the state in the tab's title and icon, which a person
  // glances at from another tab or window; the page's language sets it.
  #mark(roomTitle) {
    const base = t('participant.doctitle');
    const lead = this.state ? t(`participant.call.${this.state}Title`) : '';
    document.title = [lead, roomTitle, base].filter(Boolean).join(' — ');
    this.els.icon.href = this.state ? markedIcon(ICON_COLOUR[this.state]) : this.plainIcon;
    document.documentElement.dataset.call = this.state ?? '';
  }

  #unlockAudio() {
    const Ctx = window.AudioContext ?? window.webkitAudioContext;
    if (!Ctx) return;
    this.audio ??= new Ctx();
    if (this.audio.state === 'suspended') this.audio.resume().catch(() => {});
  }

  #chime(state) {
    this.#unlockAudio();
    const ctx = this.audio;
    if (!ctx) return;
    const start = ctx.currentTime + 0.02;
    NOTES[state].forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      const at = start + i * NOTE_S;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + NOTE_S);
    });
  }
}

// markedIcon is Parley's icon in the colour of the moment with a white dot,
// as a data URL (the pages' CSP allows data: images).
function markedIcon(colour) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="${colour}"/>`
    + '<path d="M9 8h9a6 6 0 0 1 0 12h-5v5H9zM13 12v4h5a2 2 0 0 0 0-4z" fill="#fff"/><circle cx="25" cy="25" r="6" fill="#fff"/></svg>';
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
