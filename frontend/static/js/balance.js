// The balance dashboard: per dimension and category, the shares of
// requests, turns and speaking time against target, updated live, with the
// intervention record to download.

import { startRoomPage } from './page.js';
import { t } from './i18n.js';
import { apiURL } from './live.js';
import { duration, el } from './format.js';
import { BalanceView, liveBalance } from './balance-view.js';
import { onDownload } from './download.js';

const $ = (id) => document.getElementById(id);
let view;

const live = await startRoomPage(render);
if (live) {
  links(live);
  // The turn in progress counts second by second.
  setInterval(() => {
    if (view && live.state?.balance.running) render(live, new Set(['balance']));
  }, 1000);
}

function render(live, keys) {
  view ??= new BalanceView($('charts'), ['request_share', 'turn_share', 'time_share'], 2);
  const s = live.state;
  if (!keys || keys.has('balance') || keys.has('policy')) {
    const balance = liveBalance(s.balance, live.now());
    const totals = balance.totals;
    $('totals').replaceChildren(
      total(t('balance.totalRequests'), String(totals.requests)),
      total(t('balance.totalTurns'), String(totals.turns)),
      total(t('balance.totalTime'), duration(totals.seconds)),
    );
    $('measure').textContent = t(`balance.policy.${s.policy.kind}`, { measure: t(`balance.measure.${s.policy.measure || 'time'}`) });
    view.render(balance);
  }
}

function total(label, value) {
  const li = el('li', 'total');
  li.append(el('span', 'total-value', value), el('span', 'total-label', label));
  return li;
}

// links point the downloads and the navigation at this room.
function links(live) {
  onDownload($('dl-csv'), live, apiURL(live.room, '/interventions.csv'), `${live.room}-interventions.csv`);
  onDownload($('dl-json'), live, apiURL(live.room, '/interventions'), `${live.room}-interventions.json`);
  const base = `/rooms/${encodeURIComponent(live.room)}`;
  $('nav-chair').href = `${base}/chair`;
  $('nav-display').href = `${base}/display`;
  $('nav-balance').href = `${base}/balance`;
}
