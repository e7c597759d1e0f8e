// The demo page's logic: log in (with a password, or at an identity provider whose id token is
// then exchanged), show the user from the payload cookie, call a protected API with the CSRF
// header, refresh when the access token has expired, log out. Names match the library's default
// settings (ACCESS/PAYLOAD/CSRF cookie names, X-CSRFToken, URL_PREFIX /auth).
'use strict';

const CONFIG = Object.freeze({
  payloadCookie: 'easyjwt_payload',
  csrfCookie: 'easyjwt_csrf',
  csrfHeader: 'X-CSRFToken',
  auth: '/auth',
  api: '/api/test/',
  // sessionStorage: what the page must remember across the trip to the provider and back.
  providerTrip: 'easyjwt_provider_trip',
  // localStorage: the provider fields last typed, to fill the form in again.
  providerFields: 'easyjwt_provider_fields',
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
  $('provider-form').hidden = session;
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

/** Bytes as base64url without padding, as PKCE and OAuth write them. */
function base64url(bytes) {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 32 random bytes, base64url: PKCE verifier, state and nonce. */
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Where the provider sends the browser back: this page, without its query. */
const redirectUri = () => `${location.origin}${location.pathname}`;

/** The provider's endpoints, from its discovery document, which must be for the issuer asked. */
async function discover(issuer) {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`its discovery document answered ${response.status}`);
  const config = await response.json();
  if (config.issuer !== issuer) throw new Error(`its discovery document is for ${config.issuer}`);
  return config;
}

function providerFailed(message) {
  $('provider-error').textContent = message;
  log(`provider sign-in failed: ${message}`);
}

/**
 * Sends the browser to the provider: authorization code with PKCE (S256), a state against forged
 * answers and a nonce the exchange checks in the id token. The verifier never leaves this page.
 */
async function providerLogin(event) {
  event.preventDefault();
  $('provider-error').textContent = '';
  const issuer = $('issuer').value.trim();
  const clientId = $('client-id').value.trim();
  const provider = $('provider-name').value.trim() || null;
  localStorage.setItem(CONFIG.providerFields, JSON.stringify({ issuer, clientId, provider }));
  let config;
  try {
    config = await discover(issuer);
  } catch (error) {
    providerFailed(`${issuer}: ${error.message}`);
    return;
  }
  const trip = { issuer, clientId, provider, verifier: randomText(), state: randomText(), nonce: randomText(), tokenEndpoint: config.token_endpoint };
  sessionStorage.setItem(CONFIG.providerTrip, JSON.stringify(trip));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(trip.verifier))));
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: redirectUri(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: trip.state,
    nonce: trip.nonce,
  });
  log(`to ${config.authorization_endpoint}`);
  location.assign(`${config.authorization_endpoint}?${query}`);
}

/**
 * Back from the provider with `?code=...&state=...`: the code is redeemed at the provider's token
 * endpoint (with the PKCE verifier), and the id token exchanged here for this service's cookies.
 */
async function finishProviderLogin() {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return;
  // The code is single-use and the page's history should not keep it.
  history.replaceState(null, '', location.pathname);
  const trip = JSON.parse(sessionStorage.getItem(CONFIG.providerTrip) ?? 'null');
  sessionStorage.removeItem(CONFIG.providerTrip);
  if (answer.has('error')) return providerFailed(`the provider said ${answer.get('error')}: ${answer.get('error_description') ?? ''}`);
  if (!trip || answer.get('state') !== trip.state) return providerFailed('the answer does not belong to a sign-in this page started');
  const redeemed = await fetch(trip.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: answer.get('code'),
      redirect_uri: redirectUri(),
      client_id: trip.clientId,
      code_verifier: trip.verifier,
    }),
  });
  const tokens = await redeemed.json().catch(() => ({}));
  if (!redeemed.ok || typeof tokens.id_token !== 'string') return providerFailed(`the token endpoint answered ${redeemed.status} ${tokens.error ?? ''}`);
  const body = { id_token: tokens.id_token, access_token: tokens.access_token, nonce: trip.nonce, ...(trip.provider ? { provider: trip.provider } : {}) };
  const exchanged = await post(`${CONFIG.auth}/social-exchange/`, body);
  if (exchanged.status !== 200)
    return providerFailed(
      exchanged.data?.detail ? `${exchanged.data.detail} (${exchanged.data.code ?? exchanged.status})` : `exchange answered ${exchanged.status}`,
    );
  log(`signed in through ${trip.issuer} as ${exchanged.data?.user?.email ?? 'user'}`);
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
  $('provider-form').addEventListener('submit', providerLogin);
  const fields = JSON.parse(localStorage.getItem(CONFIG.providerFields) ?? '{}');
  $('issuer').value = fields.issuer ?? '';
  $('client-id').value = fields.clientId ?? '';
  $('provider-name').value = fields.provider ?? '';
  await finishProviderLogin();
  $('call-api').addEventListener('click', callApi);
  $('logout').addEventListener('click', logout);
  // A session whose access cookie has expired still has its CSRF cookie: try the refresh cookie.
  if (!claims() && cookie(CONFIG.csrfCookie)) await refresh();
  render();
  setInterval(render, 1000);
});
