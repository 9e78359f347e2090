// The link from a hub to the plenary as its microphone's RTCP shows it:
// the round trip, the share of packets lost and the jitter the server
// reports back for the hub's audio (remote-inbound-rtp in getStats), read
// every two seconds while a session is open.

import { formatNumber } from './i18n.js';

const EVERY_MS = 2000;

// linkQuality reads one stats report: seconds of round trip and jitter,
// loss as a fraction, each null until the server has reported it.
export function linkQuality(report) {
  for (const s of report.values()) {
    if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') {
      return { rtt: s.roundTripTime ?? null, loss: s.fractionLost ?? null, jitter: s.jitter ?? null };
    }
  }
  return { rtt: null, loss: null, jitter: null };
}

export class LinkQuality {
  // fields are the <dd> elements for rtt, loss and jitter; pc returns the
  // peer connection to read, or null when there is none.
  constructor(fields, pc) {
    this.fields = fields;
    this.pc = pc;
    setInterval(() => this.#read(), EVERY_MS);
  }

  async #read() {
    const pc = this.pc();
    const q = pc?.connectionState === 'connected' ? linkQuality(await pc.getStats()) : { rtt: null, loss: null, jitter: null };
    const ms = (s) => (s === null ? '—' : formatNumber(s * 1000, { style: 'unit', unit: 'millisecond', maximumFractionDigits: 0 }));
    this.fields.rtt.textContent = ms(q.rtt);
    this.fields.jitter.textContent = ms(q.jitter);
    this.fields.loss.textContent = q.loss === null ? '—' : formatNumber(q.loss, { style: 'percent', maximumFractionDigits: 1 });
  }
}
