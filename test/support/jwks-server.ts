// A stand-in auth-service for jwks verification tests: a real HTTP server on a loopback port that
// publishes a JWK Set the test controls (and can break on demand), answers the user endpoint a
// client-service syncs its copies from, and counts every JWKS fetch. Tokens come from a TokenCodec
// over a KeyRing holding the private half of a key generated here with node:crypto.
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '../../src/core/clock';
import { jwkThumbprint } from '../../src/core/jwk';
import { KeyRing } from '../../src/core/key-ring';
import { TokenCodec } from '../../src/core/tokens';
import type { Algorithm, SettingsInput } from '../../src/settings';
import { ASYMMETRIC_ALGORITHMS, resolveSettings } from '../../src/settings';
import { testSettings } from './auth-service';

/** Every asymmetric algorithm a JWKS may publish, EdDSA included. */
export const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwksAlgorithm = (typeof JWKS_ALGORITHMS)[number];

/** Whether the token core of this build signs and verifies `algorithm` (EdDSA arrives with its own change). */
export const supported = (algorithm: string): boolean => (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm);

/** A generated key pair, its id and its public JWK as an auth-service publishes it. */
export interface TestKey {
  readonly kid: string;
  readonly algorithm: JwksAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** `{kty, ..., kid, alg, use: 'sig'}`: the public members only. */
  readonly jwk: JsonWebKey & { kid: string; alg: string; use: string };
}

const CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** A fresh key pair for `algorithm`, named by its RFC 7638 thumbprint unless `kid` is given. */
export function generateTestKey(algorithm: JwksAlgorithm, kid?: string): TestKey {
  const { privateKey, publicKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm.startsWith('ES')
        ? generateKeyPairSync('ec', { namedCurve: CURVES[algorithm] })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = kid ?? jwkThumbprint(publicKey);
  return { kid: id, algorithm, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: id, alg: algorithm, use: 'sig' } };
}

/**
 * A codec that signs as the auth-service would with `key` (its kid in every header), under the
 * test's token settings (AUDIENCE, ISSUER...).
 */
export function signerFor(key: TestKey, settings: SettingsInput = {}, clock?: Clock): TokenCodec {
  const algorithm = key.algorithm as Algorithm;
  const ring = new KeyRing([{ kid: key.kid, algorithm, key: key.publicKey }], { kid: key.kid, algorithm, key: key.privateKey });
  return new TokenCodec(resolveSettings(testSettings(settings)), ring, clock);
}

/** What the JWKS endpoint answers: the set, or one of the ways it can fail. */
export type JwksMode = 'ok' | 'error500' | 'garbage' | 'not-a-set' | 'reset' | 'not-found';

/** The stand-in auth-service. */
export interface JwksServer {
  readonly url: string;
  /** The `keys` members served (any JSON: tests put broken members in too). */
  keys: unknown[];
  mode: JwksMode;
  /** The Cache-Control max-age served, in seconds (null: no Cache-Control header). */
  maxAge: number | null;
  /** Permissions in the user JSON, by user id. */
  readonly permissions: Map<number, string[]>;
  /** JWKS requests received, whatever was answered. */
  readonly fetches: () => number;
  /** User endpoint requests received. */
  readonly userFetches: () => number;
  close(): Promise<void>;
}

/** The user id of a Bearer token, read without checking it: the client-service checked it. */
function userIdOf(request: IncomingMessage): number | null {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  try {
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof claims.user_id === 'number' ? claims.user_id : null;
  } catch {
    return null;
  }
}

/**
 * Starts the stand-in on 127.0.0.1, port 0: GET /.well-known/jwks.json, GET /auth/user/ and, for
 * `serve client`'s start-up probe, POST /auth/token/ answering DRF's field errors.
 */
export async function startJwksServer(keys: unknown[] = []): Promise<JwksServer> {
  let fetches = 0;
  let userFetches = 0;
  const sockets = new Set<Socket>();
  const state: Omit<JwksServer, 'url' | 'close' | 'fetches' | 'userFetches'> = { keys, mode: 'ok', maxAge: 300, permissions: new Map() };
  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === '/.well-known/jwks.json') {
        fetches += 1;
        if (state.mode === 'reset') return request.socket.destroy();
        if (state.mode === 'error500') return json(response, 500, { detail: 'boom' });
        if (state.mode === 'not-found') return json(response, 404, { detail: 'Not found.' });
        if (state.mode === 'garbage') return json(response, 200, '<html>not json');
        if (state.mode === 'not-a-set') return json(response, 200, { keys: 'none' });
        return json(response, 200, { keys: state.keys }, state.maxAge === null ? {} : { 'Cache-Control': `public, max-age=${state.maxAge}` });
      }
      if (request.url === '/auth/user/' && request.method === 'GET') {
        userFetches += 1;
        const id = userIdOf(request);
        if (id === null) return json(response, 401, { detail: 'Authentication credentials were not provided.' });
        return json(response, 200, {
          id,
          first_name: '',
          email: `user${id}@test.com`,
          last_name: '',
          date_joined: '2026-11-22T12:00:00.000Z',
          last_login: null,
          is_active: true,
          is_staff: false,
          is_superuser: false,
          permissions: state.permissions.get(id) ?? [],
        });
      }
      if (request.url === '/auth/token/' && request.method === 'POST') return json(response, 400, { email: ['This field is required.'] });
      json(response, 404, { detail: 'Not found.' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    fetches: () => fetches,
    userFetches: () => userFetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  });
}

/** Resolves once `condition` holds, polling every 20 ms; fails after `ms`. */
export async function eventually(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
