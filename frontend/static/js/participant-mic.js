// The participant's microphone: published over WHIP with their own token
// from the moment they are next in the queue, so the chair sees "audio
// ready" before calling them and the first words of the turn are not lost
// to a permission prompt or a connection being set up. The server's floor
// gate keeps it from everyone until the floor is theirs; the page says so.
// The session ends (DELETE) as soon as they are neither next nor holding
// the floor. One the server ends is published again (at once when its node
// drains), the page saying meanwhile that nobody hears them.

import { t } from './i18n.js';
import { Backoff, MediaSession, openFor } from './media.js';
import { announce, onPress } from './page.js';

// Roles whose microphone the server forwards when they hold the floor;
// someone in the hall speaks into the hall's microphones instead.
const PUBLISHING_ROLES = new Set(['participant', 'hub']);
const LEVEL_EVERY_MS = 100;

// voiceOf reports whether this page's microphone carries speaker sp: their
// own, or, for a hub's console, that of anyone the hub forwarded (the
// server's floor gate follows the same rule, rooms.Speaker.Voice).
export function voiceOf(you, sp) {
  if (!sp) return false;
  if (you.role === 'hub' && you.hub) return sp.mode === 'hub' && sp.hub === you.hub;
  return sp.sub === you.sub;
}

export class Microphone {
  constructor(live, ui) {
    this.live = live;
    this.ui = ui; // section, heading, status, level (the meter's row), meter, mute, retry
    this.want = 'off'; // off | ready (next in the queue) | live (holding the floor)
    this.paused = false;
    this.state = 'off'; // off | starting | connected | reconnecting | denied | failed
    this.session = null;
    this.stream = null;
    this.muted = false;
    this.wasLive = false;
    this.backoff = new Backoff();
    onPress(ui.mute, () => this.#toggleMute());
    onPress(ui.retry, () => this.#start());
    addEventListener('pagehide', () => this.#stop());
  }

  // update follows the room: what the microphone should be doing now.
  update() {
    const s = this.live.state;
    const you = this.live.you;
    let want = 'off';
    if (PUBLISHING_ROLES.has(you.role) && you.mode !== 'in-room') {
      if (voiceOf(you, s.floor)) want = 'live';
      else if (s.queue.some((e) => e.position === 1 && voiceOf(you, e))) want = 'ready';
    }
    this.paused = Boolean(s.floor?.paused);
    const before = this.want;
    this.want = want;
    if (want === 'off' && before !== 'off') this.#stop();
    else if (want !== 'off' && before === 'off') this.#start();
    this.render();
  }

  // isLive: the plenary hears this person now.
  get isLive() {
    return this.want === 'live' && !this.paused && this.state === 'connected' && !this.muted;
  }

  render() {
    const ui = this.ui;
    ui.section.hidden = this.want === 'off';
    const key = this.#statusKey();
    ui.status.textContent = t(`mic.${key}`);
    ui.section.dataset.state = key;
    ui.heading.textContent = this.isLive ? t('mic.liveTitle') : t('mic.title');
    ui.mute.hidden = !(this.want === 'live' && this.state === 'connected');
    ui.mute.textContent = this.muted ? t('mic.unmute') : t('mic.mute');
    ui.mute.setAttribute('aria-pressed', String(this.muted));
    ui.retry.hidden = !(this.state === 'denied' || this.state === 'failed');
    ui.level.hidden = this.state !== 'connected';
    const live = this.isLive;
    if (live && !this.wasLive) announce(t('mic.announceLive'));
    else if (!live && this.wasLive && this.want !== 'live') announce(t('mic.announceOff'));
    this.wasLive = live;
  }

  #statusKey() {
    if (this.state === 'denied' || this.state === 'failed' || this.state === 'reconnecting') return this.state;
    if (this.state !== 'connected') return 'starting';
    if (this.want === 'ready') return 'ready';
    if (this.paused) return 'paused';
    return this.muted ? 'muted' : 'live';
  }

  async #start() {
    if (this.want === 'off') return;
    clearTimeout(this.retryTimer);
    if (this.state !== 'reconnecting') this.#set('starting');
    try {
      this.stream ??= await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      this.#set(err.name === 'NotAllowedError' || err.name === 'NotFoundError' ? 'denied' : 'failed');
      return;
    }
    if (this.want === 'off') return this.#stop();
    const track = this.stream.getAudioTracks()[0];
    track.enabled = !this.muted;
    const s = new MediaSession(this.live.room, this.live.token, 'whip');
    this.session = s;
    s.pc.addTransceiver(track, { direction: 'sendonly' });
    s.addEventListener('state', (e) => this.#onState(s, e.detail));
    s.follow(this.live);
    await openFor(this, s, (err) => {
      if (err.retryable && this.want !== 'off') this.retryTimer = setTimeout(() => this.#start(), this.backoff.next(err));
      else this.#set('failed');
    });
  }

  #onState(s, state) {
    if (s !== this.session) return;
    if (state === 'connected') {
      this.backoff.reset();
      this.#startMeter();
      this.#set('connected');
    } else if (state === 'ended') {
      // The server ended it (a restart, a dropped link, its node
      // draining): publish again.
      this.session = null;
      this.#stopMeter();
      this.#set('reconnecting');
      if (this.want !== 'off') this.retryTimer = setTimeout(() => this.#start(), this.backoff.next(s));
    }
  }

  #stop() {
    clearTimeout(this.retryTimer);
    const s = this.session;
    this.session = null;
    s?.close();
    this.#stopMeter();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.muted = false;
    this.#set('off');
  }

  #toggleMute() {
    this.muted = !this.muted;
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !this.muted;
    this.render();
  }

  // The level meter reads the microphone itself, before the gate, so a
  // speaker can check their sound while waiting for the floor.
  #startMeter() {
    if (this.audioContext || !this.stream) return;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(this.stream).connect(analyser);
    ctx.resume().catch(() => {});
    const samples = new Float32Array(analyser.fftSize);
    this.audioContext = ctx;
    this.levelTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      // RMS on a rough decibel scale: -60 dB is empty, 0 dB full.
      const db = 10 * Math.log10(sum / samples.length || 1e-12);
      this.ui.meter.value = this.muted ? 0 : Math.max(0, Math.min(1, (db + 60) / 60));
    }, LEVEL_EVERY_MS);
  }

  #stopMeter() {
    clearInterval(this.levelTimer);
    this.audioContext?.close().catch(() => {});
    this.audioContext = null;
    this.ui.meter.value = 0;
  }

  #set(state) {
    this.state = state;
    this.render();
  }
}
