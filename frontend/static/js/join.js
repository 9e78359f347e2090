// The join page: take a token from the link's fragment or from the form
// (a bare token or a whole link pasted), read its room and role
// (unverified: the server checks it on every use), keep it for this tab and
// open the page for the role.

import { initI18n, t } from './i18n.js';
import { decodeToken, isExpired, pageFor, readPasted, storeToken, takeFragmentToken } from './token.js';

const $ = (id) => document.getElementById(id);
const ANY_ROOM = '*';

await initI18n();
const fromLink = takeFragmentToken();
if (fromLink) {
  $('token').value = fromLink;
  join(fromLink, true);
}
$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  join($('token').value, false);
});

function fail(key, params) {
  $('token-error').textContent = t(key, params);
  $('token').setAttribute('aria-invalid', 'true');
  $('token').focus();
}

function join(raw, fromLink) {
  const pasted = readPasted(raw);
  if (pasted.url && pasted.url.origin !== location.origin) {
    // A link to another Parley server: its token is for that server.
    location.assign(pasted.url.href);
    return;
  }
  const token = pasted.token;
  if (pasted.url && !token) return fail('join.noToken');
  if (!token) return fail('join.empty');
  const claims = decodeToken(token);
  if (!claims || typeof claims.room !== 'string' || typeof claims.role !== 'string') return fail('join.notToken');
  if (isExpired(claims)) {
    const when = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'short' })
      .format(claims.exp * 1000);
    return fail('join.expired', { when });
  }
  let room = claims.room;
  if (room === ANY_ROOM) {
    // A link names its room; a bare token for every room needs one typed.
    room = pasted.room ?? $('room').value.trim();
    if (!room) {
      $('room-field').hidden = false;
      if (!fromLink) $('room').focus();
      return;
    }
  }
  $('token').removeAttribute('aria-invalid');
  $('token-error').textContent = '';
  storeToken(room, token);
  // replace, not assign: Back should not return to a page that only redirects.
  location.replace(pageFor(room, claims.role, claims.hub));
}
