// The plenary's sound on the participant page: a WHEP session opened as
// the page loads with two audio m-lines (the venue feed, then the floor
// track of whoever remote holds the floor), both played by one <audio>.
// Where the browser blocks autoplay one "Listen" button starts it; a
// session that drops is opened again, at once when its node drains. The
// listener may choose an interpretation (?lang=), which then replaces the
// venue feed; the choice is remembered. Video is on request ("Show video" adds two video m-lines:
// the venue's camera and the floor speaker's); audio only is the default,
// for the poor links many remote participants have.

import { t } from './i18n.js';
import { Backoff, MediaSession, openFor } from './media.js';
import { onPress } from './page.js';
import { el } from './format.js';
import { languageName } from './transcript.js';

const LANG_KEY = 'parley.listenLang';

// A connection that stays disconnected this long is given up and opened
// anew; ICE often recovers by itself within a few seconds.
const DISCONNECTED_MS = 5000;

export class Listener {
  constructor(live, { audio, status, button, langField, lang, videoButton, videos }) {
    this.live = live;
    this.audio = audio;
    this.videoButton = videoButton;
    this.videos = videos; // [venue camera, floor camera] <video> elements
    this.withVideo = false;
    onPress(videoButton, () => {
      this.withVideo = !this.withVideo;
      this.#reopen();
    });
    this.status = status;
    this.button = button;
    this.langField = langField;
    this.lang = lang;
    this.chosen = localStorage.getItem(LANG_KEY) ?? ''; // '' is the floor language
    lang.addEventListener('change', () => this.#choose(lang.value));
    this.session = null;
    this.state = 'connecting';
    this.wanted = true; // the person has not pressed "Stop listening"
    this.ownFloor = false;
    this.backoff = new Backoff();
    onPress(button, () => this.#press());
    addEventListener('pagehide', () => this.session?.close());
    addEventListener('online', () => {
      if (this.wanted && !this.session) this.#connect();
    });
  }

  // begin starts listening once the page knows who its user is: at once,
  // except for someone in the hall, whose phone would echo the plenary
  // back into it; they get the Listen button (headphones) instead.
  begin(you) {
    if (this.begun) return;
    this.begun = true;
    if (you.mode === 'in-room') {
      this.wanted = false;
      this.#set('stopped');
    } else {
      this.#connect();
    }
  }

  // muteOwnFloor silences the floor track while this page's own user
  // holds the floor: hearing yourself a fraction of a second late makes
  // speaking hard, and the speakers' sound would come back into the mic.
  muteOwnFloor(mine) {
    this.ownFloor = mine;
    const track = this.session?.pc.getTransceivers()[1]?.receiver.track;
    if (track) track.enabled = !mine;
  }

  // renderLanguages offers the languages being interpreted now, and the
  // listener's own choice while its booth is silent (the server plays the
  // venue feed meanwhile).
  renderLanguages() {
    const langs = [...new Set([...(this.live.state?.interpretation ?? []), ...(this.chosen ? [this.chosen] : [])])];
    this.langField.hidden = langs.length === 0;
    const original = el('option', '', t('listen.original'));
    original.value = '';
    this.lang.replaceChildren(original, ...langs.map((code) => {
      const o = el('option', '', languageName(code));
      o.value = code;
      o.lang = code;
      return o;
    }));
    this.lang.value = this.chosen;
  }

  #choose(code) {
    this.chosen = code;
    if (code) localStorage.setItem(LANG_KEY, code);
    else localStorage.removeItem(LANG_KEY);
    this.#reopen();
  }

  // #reopen replaces the session with one that asks for what the listener
  // now wants (a language, video); the old one ends.
  #reopen() {
    this.render();
    if (!this.wanted) return;
    const old = this.session;
    this.session = null;
    old?.close();
    this.#connect();
  }

  render() {
    this.renderLanguages();
    this.status.textContent = t(`listen.${this.state}`);
    this.status.dataset.state = this.state;
    const stop = this.state === 'playing' || this.state === 'connecting' || this.state === 'reconnecting';
    this.button.textContent = stop ? t('listen.stop') : t('listen.listen');
    this.button.classList.toggle('primary', !stop);
    this.button.hidden = this.state === 'unavailable';
    this.videoButton.hidden = this.state === 'unavailable' || this.state === 'stopped';
    this.videoButton.textContent = this.withVideo ? t('listen.audioOnly') : t('listen.video');
    this.videoButton.setAttribute('aria-pressed', String(this.withVideo));
  }

  async #connect() {
    clearTimeout(this.retryTimer);
    const s = new MediaSession(this.live.room, this.live.token, 'whep', this.chosen ? { lang: this.chosen } : {});
    this.session = s;
    const stream = new MediaStream();
    for (let i = 0; i < 2; i++) {
      stream.addTrack(s.pc.addTransceiver('audio', { direction: 'recvonly' }).receiver.track);
    }
    this.muteOwnFloor(this.ownFloor);
    this.audio.srcObject = stream;
    this.videos.forEach((video, i) => {
      video.hidden = true;
      video.srcObject = null;
      if (!this.withVideo) return;
      const track = s.pc.addTransceiver('video', { direction: 'recvonly' }).receiver.track;
      video.srcObject = new MediaStream([track]);
      // A camera is shown once its pictures arrive; the floor's is hidden
      // again when they stop. The sound is the <audio>'s.
      track.addEventListener('unmute', () => {
        if (s !== this.session) return;
        video.hidden = false;
        video.play().catch(() => {});
      });
      track.addEventListener('mute', () => {
        if (s === this.session && i === 1) video.hidden = true;
      });
    });
    s.addEventListener('state', (e) => this.#onState(s, e.detail));
    s.follow(this.live);
    const opened = await openFor(this, s, (err) => (err.retryable ? this.#retry(err) : this.#set('unavailable')));
    if (opened) this.#play();
  }

  #onState(s, state) {
    if (s !== this.session) return;
    clearTimeout(this.lostTimer);
    switch (state) {
      case 'connected':
        this.backoff.reset();
        this.#play();
        break;
      case 'disconnected':
        this.#set('reconnecting');
        this.lostTimer = setTimeout(() => s.close(), DISCONNECTED_MS);
        break;
      case 'ended':
        this.session = null;
        if (this.wanted) this.#retry(s);
        break;
    }
  }

  // #retry opens a new session after a wait; cause is why the last
  // ended (Backoff.next). Until it plays, the page says it reconnects.
  #retry(cause) {
    this.#set('reconnecting');
    this.retryTimer = setTimeout(() => this.#connect(), this.backoff.next(cause));
  }

  async #play() {
    if (this.session?.pc.connectionState !== 'connected') {
      if (this.state !== 'reconnecting') this.#set('connecting');
      return;
    }
    try {
      await this.audio.play();
      this.#set('playing');
    } catch (err) {
      if (err.name === 'NotAllowedError') this.#set('blocked');
    }
  }

  #press() {
    switch (this.state) {
      case 'blocked':
        this.#play();
        break;
      case 'stopped':
        this.wanted = true;
        this.#set('connecting');
        this.#connect();
        break;
      default:
        // Stopping frees the bandwidth, which matters on a poor link.
        this.wanted = false;
        clearTimeout(this.retryTimer);
        this.session?.close();
        this.session = null;
        this.audio.srcObject = null;
        this.#set('stopped');
    }
  }

  #set(state) {
    this.state = state;
    this.render();
  }
}
