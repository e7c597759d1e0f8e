// The soak's child process: an auth-service and a client-service (local verification) in one
// process, so the memory the soak reports is theirs and not the load generator's. It tells the
// parent its URLs over IPC and answers memory questions (after a full GC when node runs with
// --expose-gc, so heap readings are comparable between samples).
//
//   node --expose-gc dist/bench/soak-server.js      (forked by bench/soak.ts)
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoController } from '../src/controllers/client-service/demo-controller';
import { createAuthService } from '../src/services/auth-service';
import { createClientService } from '../src/services/client-service';

/** What the child says once both services listen. */
export interface SoakReady {
  readonly type: 'ready';
  readonly auth: string;
  readonly client: string;
  readonly users: number;
}

/** The child's memory, in bytes. */
export interface SoakMemory {
  readonly type: 'memory';
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

export const SOAK_KEY = 'soak-signing-key-that-is-at-least-32-bytes-long';
export const SOAK_PASSWORD = 'soak-user-pass';
export const soakEmail = (index: number): string => `soak-${index}@example.com`;

async function main(): Promise<void> {
  const users = Number(process.env.SOAK_USERS ?? 50);
  // Small caches fill within the warm-up, so what they hold stops growing early: heap that still
  // grows afterwards is a leak, not a cache on its way to its bound.
  const USER_CACHE_SIZE = Number(process.env.SOAK_CACHE_SIZE ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'easyjwt-soak-'));
  const DATABASE_URL = process.env.SOAK_DATABASE_URL ?? `sqlite:${join(dir, 'soak.sqlite3')}`;
  const auth = await createAuthService({
    settings: {
      SIGNING_KEY: SOAK_KEY,
      DATABASE_URL,
      LOG_LEVEL: 'silent',
      // Cheap scrypt: the soak is after leaks and crashes, not password hashing throughput.
      PASSWORD_SCRYPT_N: 1024,
      PASSWORD_SCRYPT_P: 1,
      USER_CACHE_SIZE,
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
    },
  });
  for (let index = 0; index < users; index++) await auth.users.create({ email: soakEmail(index), password: SOAK_PASSWORD });
  const authListening = await auth.listen(0, '127.0.0.1');
  const client = await createClientService({
    settings: {
      REMOTE_AUTH_SERVICE_URL: authListening.url,
      SIGNING_KEY: SOAK_KEY,
      TOKEN_VERIFICATION: 'local',
      USER_CACHE_SIZE,
      DATABASE_URL: `sqlite:${join(dir, 'soak-client.sqlite3')}`,
      LOG_LEVEL: 'silent',
    },
    controllers: [DemoController],
  });
  const clientListening = await client.listen(0, '127.0.0.1');

  const stop = async () => {
    await clientListening.close();
    await client.close();
    await authListening.close();
    await auth.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      const answer: SoakMemory = { type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external };
      process.send?.(answer);
    } else if (message.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  const ready: SoakReady = { type: 'ready', auth: authListening.url, client: clientListening.url, users };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
