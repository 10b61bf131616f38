// The public /v1 API with the token held in memory only (never storage, never a URL): every
// call sends it as a bearer token; an error shows in the header's banner.
let token = null;
const errorListeners = new Set();

export function signIn(value) {
  token = value;
}

export function signOut() {
  token = null;
}

export function signedIn() {
  return token !== null;
}

export function onError(listener) {
  errorListeners.add(listener);
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || 'http_error';
    this.field = error.field;
    this.body = body;
  }
}

function headers(extra) {
  return {Authorization: `Bearer ${token}`, Accept: 'application/json', ...extra};
}

// api('POST', '/v1/actions', body, {quiet: true}): the answer's JSON, or throws ApiError.
// `quiet` leaves the banner alone (the caller shows the error where it belongs).
export async function api(method, path, body, options = {}) {
  const init = {method, headers: headers(body === undefined ? {} : {'Content-Type': 'application/json'})};
  if (body !== undefined) init.body = JSON.stringify(body);
  if (options.idempotencyKey) init.headers['Idempotency-Key'] = options.idempotencyKey;
  if (options.signal) init.signal = options.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    const error = new ApiError(0, {error: {code: 'network', message: e.message}});
    if (!options.quiet) for (const listener of errorListeners) listener(error);
    throw error;
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    if (!options.quiet) for (const listener of errorListeners) listener(error);
    throw error;
  }
  return json;
}

// Follows GET /v1/actions/{id}/events. EventSource cannot send the Authorization header, so the
// stream is read with fetch; it reconnects with Last-Event-ID until `closed` or abort.
export async function followEvents(id, onEvent, signal) {
  let lastId = null;
  let ended = false;
  while (!ended && !signal.aborted) {
    try {
      const extra = lastId === null ? {} : {'Last-Event-ID': lastId};
      const response = await fetch(`/v1/actions/${encodeURIComponent(id)}/events`, {
        headers: {...headers(extra), Accept: 'text/event-stream'},
        signal,
      });
      if (!response.ok) {
        let body = null;
        try {
          body = await response.json();
        } catch {}
        const error = new ApiError(response.status, body);
        if (response.status !== 429) {
          for (const listener of errorListeners) listener(error);
          return;
        }
      } else {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, '\n');
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = {type: 'message', data: ''};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id') lastId = text;
              else if (field === 'event') event.type = text;
              else if (field === 'data') event.data += (event.data ? '\n' : '') + text;
            }
            if (!event.data) continue;
            let data = null;
            try {
              data = JSON.parse(event.data);
            } catch {
              continue;
            }
            onEvent(event.type, data);
            if (event.type === 'closed') ended = true;
          }
        }
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
    }
    if (!ended && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
