// The demo page's logic: log in, show the user from the payload cookie, call a protected API with
// the CSRF header, refresh when the access token has expired, log out. Names match the library's
// default settings (ACCESS/PAYLOAD/CSRF cookie names, X-CSRFToken, URL_PREFIX /auth).
'use strict';

const CONFIG = Object.freeze({
  payloadCookie: 'easyjwt_payload',
  csrfCookie: 'easyjwt_csrf',
  csrfHeader: 'X-CSRFToken',
  auth: '/auth',
  api: '/api/test/',
});

const $ = (id) => document.getElementById(id);

/** The value of a cookie this page may read, or null. */
function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The access token's claims, from the payload cookie (base64url JSON), or null when logged out. */
function claims() {
  const value = cookie(CONFIG.payloadCookie);
  if (!value) return null;
  try {
    const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

function log(message) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${message}`;
  $('log').append(item);
}

/** POSTs JSON; the CSRF header always goes along (the server needs it whenever a cookie authenticates). */
async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  const csrf = cookie(CONFIG.csrfCookie);
  if (csrf) headers[CONFIG.csrfHeader] = csrf;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}), credentials: 'same-origin' });
  let data;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, data };
}

/** Who the payload cookie last named: kept while the access cookie is expired but the session is not. */
let lastClaims = null;

function render() {
  const current = claims();
  if (current) lastClaims = current;
  // The CSRF cookie lives as long as the refresh token: while it is there, the session is too.
  const session = current !== null || cookie(CONFIG.csrfCookie) !== null;
  $('login-form').hidden = session;
  $('session').hidden = !session;
  if (!session) {
    lastClaims = null;
    return;
  }
  const shown = current ?? lastClaims ?? {};
  const user = shown.user ?? {};
  $('who').textContent = user.email ?? (shown.user_id === undefined ? '(unknown)' : `user ${shown.user_id}`);
  $('perms').textContent = (user.perms ?? []).join(', ') || '(none)';
  $('expires').textContent = current ? `${Math.max(0, current.exp - Math.floor(Date.now() / 1000))} s` : 'expired: refreshed at the next call';
}

/** Exchanges the refresh cookie for new token cookies; false when the session is over. */
async function refresh() {
  const answer = await post(`${CONFIG.auth}/token/refresh/`);
  if (answer.status === 200) {
    log('access token refreshed');
    return true;
  }
  log(`refresh refused (${answer.status}): log in again`);
  return false;
}

async function login(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  const answer = await post(`${CONFIG.auth}/token/`, { email: $('email').value, password: $('password').value });
  if (answer.status !== 200) {
    $('login-error').textContent = answer.data?.detail ?? `login failed (${answer.status})`;
    log(`login refused (${answer.status})`);
    return;
  }
  log(`logged in as ${answer.data?.user?.email ?? 'user'}`);
  render();
}

/** Calls the protected API; an expired access token is refreshed once and the call repeated. */
async function callApi() {
  let answer = await post(CONFIG.api);
  if (answer.status === 401 && (await refresh())) answer = await post(CONFIG.api);
  $('api-result').textContent = answer.status === 200 ? String(answer.data) : `${answer.status} ${answer.data?.detail ?? ''}`;
  log(`POST ${CONFIG.api} -> ${answer.status}`);
  render();
}

async function logout() {
  const answer = await post(`${CONFIG.auth}/logout/`);
  log(`logged out (${answer.status})`);
  $('api-result').textContent = '';
  render();
}

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', login);
  $('call-api').addEventListener('click', callApi);
  $('logout').addEventListener('click', logout);
  // A session whose access cookie has expired still has its CSRF cookie: try the refresh cookie.
  if (!claims() && cookie(CONFIG.csrfCookie)) await refresh();
  render();
  setInterval(render, 1000);
});
