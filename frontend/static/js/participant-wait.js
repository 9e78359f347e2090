// The participant's estimated wait: the floor's time still to run and, for
// each request ahead, the room's average turn so far (the time limit before
// anyone has finished one). It is said as an estimate: the chair may extend
// a turn or call someone out of order.

import { t } from './i18n.js';
import { parseServerTime } from './live.js';

// estimateWait is how long the entry at position is likely to wait, in
// seconds, and how many requests stand ahead of it, at server time now.
export function estimateWait(state, position, now) {
  const ahead = Math.max(position - 1, 0);
  const f = state.floor;
  let left = 0;
  if (f) left = f.paused ? f.remaining_s : Math.max(0, (parseServerTime(f.ends_at) - now) / 1000);
  return { seconds: left + ahead * averageTurn(state), ahead };
}

// averageTurn is the room's average finished turn in seconds. The balance's
// totals count a turn from when it is granted and its seconds so far, so
// the turn in progress is taken out.
export function averageTurn(state) {
  const totals = state.balance?.totals ?? { turns: 0, seconds: 0 };
  const f = state.floor;
  const turns = totals.turns - (f ? 1 : 0);
  const seconds = totals.seconds - (f?.elapsed_s ?? 0);
  return turns > 0 && seconds > 0 ? seconds / turns : state.time_limit_s;
}

// waitText says it: "Estimated wait: about 6 minutes, 3 speakers ahead".
export function waitText({ seconds, ahead }) {
  const minutes = Math.round(seconds / 60);
  const time = minutes < 1 ? t('participant.wait.underMinute') : t('participant.wait.minutes', { count: minutes });
  const who = ahead === 0 ? t('participant.wait.next') : t('participant.wait.ahead', { count: ahead });
  return t('participant.wait', { time, who });
}
