// Downloads of the record and the transcript. The API takes the token in
// the Authorization header; a link could carry it only in its URL, which
// the browser keeps in its history and downloads list and which proxies
// and logs on the way keep too. So a download is a button that fetches the
// file with the header and saves what came back, under the name given.

import { LiveError } from './live.js';
import { clearError, onPress, showError } from './page.js';

// How long the saved file's object URL lives: the browser has read it by
// then, and it is only a handle to memory the page would otherwise keep.
const OBJECT_URL_MS = 60_000;

// onDownload makes button save url (fetched with the room's token) as
// filename, marking it busy meanwhile and saying in the alert region why
// when it fails.
export function onDownload(button, live, url, filename) {
  onPress(button, async () => {
    button.dataset.busy = 'true';
    try {
      const res = await fetchFile(url, live.token);
      save(await res.blob(), attachmentName(res) || filename);
      clearError();
    } catch (err) {
      showError(err);
    } finally {
      delete button.dataset.busy;
    }
  });
}

// fetchJSON is an API answer as JSON, fetched with the room's token; it
// throws a LiveError with the server's code, message and params.
export async function fetchJSON(url, token) {
  return (await fetchFile(url, token)).json();
}

// authHeaders carry the room's token; none for a record the server makes
// public.
export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function fetchFile(url, token) {
  let res;
  try {
    res = await fetch(url, { headers: authHeaders(token), cache: 'no-store' });
  } catch {
    throw new LiveError('download_failed', '', true);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    if (!body.error?.message) throw new LiveError('download_failed', '', true);
    throw new LiveError(body.error.code, body.error.message, false, body.error.params);
  }
  return res;
}

// attachmentName is the file name the server gives an answer, if any.
function attachmentName(res) {
  const m = /filename="([^"/\\]+)"/.exec(res.headers.get('Content-Disposition') ?? '');
  return m?.[1] ?? '';
}

function save(blob, filename) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), OBJECT_URL_MS);
}
