// Access tokens: read from the URL fragment (which browsers never send, so
// tokens stay out of server logs), kept in sessionStorage per room, and
// decoded without verification only to route the holder; the server
// verifies every use.

const KEY_PREFIX = 'parley.token.';

// decodeToken returns a JWT's claims, or null if it is not a JWT.
export function decodeToken(token) {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replaceAll('-', '+').replaceAll('_', '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

export function isExpired(claims, now = Date.now()) {
  return typeof claims.exp === 'number' && claims.exp * 1000 <= now;
}

// readPasted reads what a person pasted: a bare token, or a whole link
// (https://host/rooms/x/chair#token=…, even broken over lines by a mail
// program). It returns {token, room, url}: room is the link's, if any, and
// url the link itself; token is null for a link that carries none.
export function readPasted(raw) {
  const text = raw.replace(/\s+/g, '');
  if (!/^https?:\/\/|^\/rooms\/|[#?&](access_)?token=/i.test(text)) return { token: text, room: null, url: null };
  let url;
  try {
    url = new URL(text, location.href);
  } catch {
    return { token: null, room: null, url: null };
  }
  const token = new URLSearchParams(url.hash.slice(1)).get('token')
    ?? url.searchParams.get('token') ?? url.searchParams.get('access_token');
  return { token: token?.trim() || null, room: roomFromPath(url.pathname), url };
}

// takeFragmentToken removes #token=… from the address bar and returns it.
export function takeFragmentToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  return token.trim();
}

export function storeToken(room, token) {
  sessionStorage.setItem(KEY_PREFIX + room, token);
}

export function storedToken(room) {
  return sessionStorage.getItem(KEY_PREFIX + room);
}

// pageFor is the page a role belongs on; a hub's coordinator and its
// members (a token with a hub) go to the hub's page.
export function pageFor(room, role, hub) {
  const base = `/rooms/${encodeURIComponent(room)}`;
  if (hub && (role === 'hub' || role === 'participant')) return `${base}/hub`;
  switch (role) {
    case 'chair':
    case 'admin':
      return `${base}/chair`;
    case 'observer':
      return `${base}/display`;
    case 'captioner':
      return `${base}/caption`;
    default:
      return base;
  }
}

// roomFromPath reads {room} from /rooms/{room}[/page].
export function roomFromPath(path = location.pathname) {
  const m = path.match(/^\/rooms\/([^/]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

// roomToken is the token a room page uses: one in the fragment (stored for
// the rest of the tab's session) or the one stored earlier.
export function roomToken(room) {
  const fresh = takeFragmentToken();
  if (fresh) storeToken(room, fresh);
  return fresh ?? storedToken(room);
}
