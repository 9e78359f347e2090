// The link from a hub to the plenary: the round trip, the share of
// packets lost and the jitter, read every two seconds. On the main server
// they are what the server reports back for the hub's microphone
// (remote-inbound-rtp in getStats, while a session is open); served by
// the hub's relay, whose microphone session ends at the relay, they are
// what the relay measures of its own link upstream (GET /api/v1/relay).

import { formatNumber } from './i18n.js';

const EVERY_MS = 2000;
const NONE = { rtt: null, loss: null, jitter: null };

// linkQuality reads one stats report: seconds of round trip and jitter,
// loss as a fraction, each null until the server has reported it.
export function linkQuality(report) {
  for (const s of report.values()) {
    if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') {
      return { rtt: s.roundTripTime ?? null, loss: s.fractionLost ?? null, jitter: s.jitter ?? null };
    }
  }
  return NONE;
}

// micQuality is the link as the microphone's peer connection pc (or none)
// shows it.
export async function micQuality(pc) {
  return pc?.connectionState === 'connected' ? linkQuality(await pc.getStats()) : NONE;
}

// relayQuality is the link as the relay serving the page measures it
// upstream, in the same units; nothing while the relay cannot be asked.
export async function relayQuality() {
  try {
    const res = await fetch('/api/v1/relay');
    if (!res.ok) return NONE;
    const q = (await res.json()).upstream_link ?? {};
    return { rtt: q.rtt_s ?? null, loss: q.loss ?? null, jitter: q.jitter_s ?? null };
  } catch {
    return NONE;
  }
}

export class LinkQuality {
  // fields are the <dd> elements for rtt, loss and jitter; read returns
  // a promise of the figures to show (micQuality or relayQuality).
  constructor(fields, read) {
    this.fields = fields;
    this.read = read;
    setInterval(() => this.#show(), EVERY_MS);
  }

  async #show() {
    const q = await this.read();
    const ms = (s) => (s === null ? '—' : formatNumber(s * 1000, { style: 'unit', unit: 'millisecond', maximumFractionDigits: 0 }));
    this.fields.rtt.textContent = ms(q.rtt);
    this.fields.jitter.textContent = ms(q.jitter);
    this.fields.loss.textContent = q.loss === null ? '—' : formatNumber(q.loss, { style: 'percent', maximumFractionDigits: 1 });
  }
}
