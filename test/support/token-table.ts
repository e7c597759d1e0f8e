// Fills the registry with generated families of tokens, fast (multi-row INSERTs with explicit
// ids): tens of thousands for the archiver test, a million for `npm run bench:registry`.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { sql } from '../../src/registry/sql';

/** What to generate. */
export interface TokenTableSpec {
  /** Users the families are spread over, round-robin. */
  readonly userIds: readonly number[];
  readonly families: number;
  /** Tokens per family: a binary tree under one refresh token (the root). */
  readonly perFamily: number;
  /** When family `index` was created; its tokens expire a day later. */
  readonly createdAt: (index: number) => Date;
  /** Called after each chunk with the tokens written so far. */
  readonly onProgress?: (written: number) => void;
}

const ROWS_PER_INSERT = 400;

/** Writes the families; answers the id of every family's root token. */
export async function fillTokenTable(dataSource: DataSource, spec: TokenTableSpec): Promise<number[]> {
  const manager = dataSource.manager;
  const [{ n: tokenBase }] = await sql<{ n: number | string | null }>(manager, 'SELECT MAX(id) AS n FROM easyjwt_token');
  const [{ n: sessionBase }] = await sql<{ n: number | string | null }>(manager, 'SELECT MAX(id) AS n FROM easyjwt_session');
  let nextToken = Number(tokenBase ?? 0) + 1;
  let nextSession = Number(sessionBase ?? 0) + 1;
  const roots: number[] = [];
  let tokens: unknown[][] = [];
  let links: unknown[][] = [];
  let sessions: unknown[][] = [];
  let written = 0;

  const flush = async () => {
    if (sessions.length > 0) {
      await sql(
        manager,
        `INSERT INTO easyjwt_session (id, user_id, device_id, ip, created_at, last_used_at, expires_at, ends_at, expired_at) VALUES ${sessions.map(() => '(?, ?, NULL, ?, ?, ?, ?, NULL, NULL)').join(', ')}`,
        sessions.flat(),
      );
    }
    if (tokens.length > 0) {
      await sql(
        manager,
        `INSERT INTO easyjwt_token (id, jti, token_type, parent_id, session_id, issued_at, expires_at, revoked_at, expired_at, rotated_at, created_at) VALUES ${tokens.map(() => '(?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)').join(', ')}`,
        tokens.flat(),
      );
      await sql(manager, `INSERT INTO easyjwt_token_user (user_id, token_id) VALUES ${links.map(() => '(?, ?)').join(', ')}`, links.flat());
    }
    written += tokens.length;
    tokens = [];
    links = [];
    sessions = [];
    spec.onProgress?.(written);
  };

  for (let family = 0; family < spec.families; family++) {
    const userId = spec.userIds[family % spec.userIds.length];
    const created = spec.createdAt(family);
    const expires = new Date(created.getTime() + 86_400_000);
    const sessionId = nextSession++;
    sessions.push([sessionId, userId, '192.0.2.1', created, created, expires]);
    const base = nextToken;
    roots.push(base);
    for (let j = 0; j < spec.perFamily; j++) {
      const id = nextToken++;
      const parent = j === 0 ? null : base + Math.floor((j - 1) / 2);
      tokens.push([id, randomBytes(16).toString('hex'), j % 2 === 0 ? 'refresh' : 'access', parent, sessionId, created, expires, created]);
      links.push([userId, id]);
    }
    if (tokens.length >= ROWS_PER_INSERT) await flush();
  }
  await flush();
  return roots;
}
