// The participant's estimated wait: the floor's time still to run and, for
// each request ahead, how long its turn is expected to take (expected_s,
// as the queue plans it: the speaker's own average turn so far, the room's
// for someone who has not spoken). It is said as an estimate: the chair
// may extend a turn or call someone out of order.

import { t } from './i18n.js';
import { parseServerTime } from './live.js';

// estimateWait is how long the entry at position is likely to wait, in
// seconds, and how many requests stand ahead of it, at server time now.
export function estimateWait(state, position, now) {
  const ahead = state.queue.filter((e) => e.position < position);
  const f = state.floor;
  let left = 0;
  if (f) left = f.paused ? f.remaining_s : Math.max(0, (parseServerTime(f.ends_at) - now) / 1000);
  return { seconds: ahead.reduce((sum, e) => sum + e.expected_s, left), ahead: ahead.length };
}

// waitText says it: "Estimated wait: about 6 minutes, 3 speakers ahead".
export function waitText({ seconds, ahead }) {
  const minutes = Math.round(seconds / 60);
  const time = minutes < 1 ? t('participant.wait.underMinute') : t('participant.wait.minutes', { count: minutes });
  const who = ahead === 0 ? t('participant.wait.next') : t('participant.wait.ahead', { count: ahead });
  return t('participant.wait', { time, who });
}
