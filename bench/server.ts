// The benchmark's child process: starts one kind of server on 127.0.0.1 port 0 and reports its URL
// to the parent over IPC, so the server and the load generator never share a core's event loop.
//
//   node dist/bench/server.js <kind>      (normally forked by bench/child.ts, never run by hand)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import Koa from 'koa';
import koaJwt from 'koa-jwt';
import { createAuthService } from '../src/services/auth-service';
import { Controller, Get, useKoaServer } from 'routing-controllers';
import { createClientService } from '../src/services/client-service';
import { requireLogin } from '../src/http/guards';
import { sendJson } from '../src/http/responses';
import { DemoController } from '../src/controllers/client-service/demo-controller';
import { DEFAULT_SERVER_SETTINGS } from '../src/http/server';
import { securityHeaders } from '../src/http/security-headers';

/** What a child sends its parent once it is listening; `extra` carries what targets need. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly url: string;
  readonly extra: Record<string, string>;
}

/** The parent's question and the child's answer about the CPU time the child has used so far. */
export interface CpuMessage {
  readonly type: 'cpu';
  readonly usage?: NodeJS.CpuUsage;
}

/** A running server and how to stop it cleanly (closing databases, removing temp files). */
interface Started {
  readonly url: string;
  readonly extra?: Record<string, string>;
  stop(): Promise<void>;
}

function listenOn(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/**
 * The kinds of server a benchmark target can run against. Add a kind here (and a ServerSpec in
 * bench/targets.ts) to benchmark something new.
 */
export const SERVER_KINDS: Record<string, (env: NodeJS.ProcessEnv) => Promise<Started>> = {
  /** The baseline: Koa 3 with one middleware and nothing else, as a user's own app would start. */
  /**
   * The same answer from a routing-controllers action with no guard: the framework's own share of
   * every controller route, the ceiling for any guarded one.
   */
  'rc-hello': async () => {
    @Controller()
    class HelloController {
      @Get('/')
      hello() {
        return 'hello';
      }
    }
    const app = new Koa();
    useKoaServer(app, { controllers: [HelloController], defaultErrorHandler: false, development: false, classTransformer: false, validation: false });
    return serveBare(app);
  },

  'koa-hello': async () => {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = 'hello';
    });
    return serveBare(app);
  },

  /**
   * Bare Koa answering the demo route's exact answer, headers included: the security headers,
   * `Cache-Control: no-store` and `application/json`, set with one res.setHeader each. What the
   * contract's headers cost, apart from what the library adds on top of them.
   */
  'koa-headers': async () => {
    const headers = [...securityHeaders(DEFAULT_SERVER_SETTINGS), ['Cache-Control', 'no-store']] as const;
    const app = new Koa();
    app.use((ctx) => {
      for (const [name, value] of headers) ctx.res.setHeader(name, value);
      ctx.res.setHeader('Content-Type', 'application/json');
      ctx.body = '"success"';
    });
    return serveBare(app);
  },

  /**
   * A peer: Fastify 5 with @fastify/jwt guarding `GET /api/test/` in an onRequest hook, as its
   * README shows, with its verified-token cache on (`verify: { cache: true }`, 1,000 tokens), and
   * the auth-service's HS256 key (BENCH_SIGNING_KEY) as the string a team would configure.
   */
  'fastify-jwt': async (env) => {
    const app = Fastify({ logger: false });
    await app.register(fastifyJwt, { secret: secretOf(env), verify: { cache: true, algorithms: ['HS256'] } });
    app.get('/api/test/', {
      onRequest: async (request, reply) => {
        try {
          await request.jwtVerify();
        } catch {
          await reply.code(401).send({ detail: 'Authentication credentials were not provided.' });
        }
      },
      handler: async (_request, reply) => reply.type('application/json').send('"success"'),
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, stop: () => app.close() };
  },

  /**
   * A peer: koa-jwt 4 in front of a plain Koa route, its secret the auth-service's key as a
   * string, as its README and most teams write it. koa-jwt verifies with jsonwebtoken, which turns
   * a string secret into a key object on every call: that, not Koa, is most of its cost.
   */
  'koa-jwt': async (env) => {
    const app = new Koa();
    app.use(koaJwt({ secret: secretOf(env), algorithms: ['HS256'] }));
    app.use((ctx) => {
      if (ctx.path !== '/api/test/') return;
      ctx.type = 'application/json';
      ctx.body = '"success"';
    });
    return serveBare(app);
  },

  /**
   * The auth-service as deployed: a real SQLite file database, one user, logging off. With
   * BENCH_ALGORITHM=ES256 it signs with a key of its key store and publishes it in its JWKS, and
   * client-services verify from that; otherwise HS256 with a key the client-services share.
   */
  'auth-service': async (env) => {
    const dir = tempDir();
    const asymmetric = env.BENCH_ALGORITHM === 'ES256';
    // 36 random bytes in base64 are 48 ASCII characters: 48 bytes, above HS256's minimum.
    const key = asymmetric ? '' : randomBytes(36).toString('base64');
    // The revocation feed's key, given to every client-service (a remote one holds no signing key
    // to derive it from), so revocation reach is on in every mode.
    const feedKey = randomBytes(32).toString('base64url');
    const service = await createAuthService({
      settings: {
        ...(asymmetric ? { ALGORITHM: 'ES256' } : {}),
        REVOCATION_FEED_KEY: feedKey,
        SIGNING_KEY: key,
        DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite3')}`,
        LOG_LEVEL: 'silent',
        // Cheap scrypt: the benchmark measures token checks, and logs in only once.
        PASSWORD_SCRYPT_N: 1024,
        PASSWORD_SCRYPT_P: 1,
        // Long enough that a run stretched by BENCH_SECONDS never sees its token expire mid-run.
        ACCESS_TOKEN_LIFETIME: '1d',
        USER_CACHE_TTL: 5 * ttlScale(env),
      },
    });
    const email = 'bench@example.com';
    const password = randomBytes(12).toString('base64url');
    await service.users.create({ email, password });
    const listening = await service.listen(0, '127.0.0.1');
    return {
      url: listening.url,
      // The key goes to the client-service children that verify locally (bench/targets.ts).
      extra: { email, password, key, feedKey },
      stop: async () => {
        await listening.close();
        await service.close(); // the exit hook of tempDir() then removes the directory
      },
    };
  },

  /**
   * The demo client-service (`GET /api/test/` behind @JwtLoginRequired) in front of the
   * auth-service child named by BENCH_AUTH_URL, on a SQLite file, logging off. BENCH_VERIFICATION
   * is `local` (with BENCH_SIGNING_KEY, the auth-service's key), `jwks` (with BENCH_FEED_KEY, the
   * revocation feed's) or `remote`; revocation reach is on in every mode, as deployed; other settings keep
   * their defaults, so user copies are re-synced and remote verdicts re-asked as in production.
   * With BENCH_PLAIN_ROUTE=1 the demo controller is left out and `GET /plain/test/` answers the
   * same through the same guard as plain Koa middleware: what authentication costs without
   * routing-controllers, beside what the framework adds.
   */
  'client-service': async (env) => {
    const dir = tempDir();
    const verification = env.BENCH_VERIFICATION === 'remote' || env.BENCH_VERIFICATION === 'jwks' ? env.BENCH_VERIFICATION : 'local';
    const service = await createClientService({
      settings: {
        REMOTE_AUTH_SERVICE_URL: env.BENCH_AUTH_URL,
        TOKEN_VERIFICATION: verification,
        ...(verification === 'local' ? { SIGNING_KEY: env.BENCH_SIGNING_KEY } : {}),
        ...(env.BENCH_FEED_KEY ? { REVOCATION_FEED_KEY: env.BENCH_FEED_KEY } : {}),
        DATABASE_URL: `sqlite:${join(dir, 'client.sqlite3')}`,
        LOG_LEVEL: 'silent',
        USER_SYNC_MAX_AGE: 60 * ttlScale(env),
        REMOTE_VERIFY_CACHE_TTL: 30 * ttlScale(env),
      },
      controllers: env.BENCH_PLAIN_ROUTE === '1' ? [] : [DemoController],
    });
    if (env.BENCH_PLAIN_ROUTE === '1') {
      service.app.use((ctx, next) => (ctx.path === '/plain/test/' ? requireLogin(ctx, async () => sendJson(ctx, 200, 'success')) : next()));
    }
    const listening = await service.listen(0, '127.0.0.1');
    return {
      url: listening.url,
      extra: { verification: service.verification, revocationReach: service.revocations.list ? 'on' : 'off' },
      stop: async () => {
        await listening.close();
        await service.close();
      },
    };
  },
};

/**
 * BENCH_TTL_SCALE stretches the services' cache lifetimes (defaults otherwise). Under callgrind a
 * request takes about thirty times longer, so without it a cache would expire thirty times as
 * often per request as in production and the counts would be mostly re-syncs.
 */
function ttlScale(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.BENCH_TTL_SCALE ?? 1);
  return Number.isFinite(scale) && scale >= 1 ? scale : 1;
}

/** The HS256 key a peer verifies with: the auth-service's, handed over by bench/targets.ts. */
function secretOf(env: NodeJS.ProcessEnv): string {
  const key = env.BENCH_SIGNING_KEY;
  if (!key) throw new Error('a peer server needs BENCH_SIGNING_KEY, the auth-service key');
  return key;
}

/** Serves a plain Koa app on a free loopback port, as the baselines need. */
async function serveBare(app: Koa) {
  // Koa's handler settles every request itself (its promise never rejects): nothing to await.
  const handle = app.callback();
  const server = createServer((request, response) => void handle(request, response));
  const url = await listenOn(server);
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** A scratch directory for one child's database, removed on any exit, not only a clean stop. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'koa-easyjwt-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const start = SERVER_KINDS[kind];
  if (!start || !process.send) {
    console.error(`usage: forked with one of ${Object.keys(SERVER_KINDS).join(', ')} (got ${JSON.stringify(kind)})`);
    process.exit(2);
  }
  const started = await start(process.env);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await started.stop();
    } finally {
      process.exit(0);
    }
  };
  // SIGTERM from the parent's cleanup; 'disconnect' when the parent died without cleaning up,
  // so no orphaned server keeps a core busy or a temp database on disk.
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
  // CPU time per request is the figure least disturbed by a noisy machine: the parent asks for it
  // around each measured run.
  process.on('message', (message: CpuMessage) => {
    if (message?.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage() } satisfies CpuMessage);
  });
  const ready: ReadyMessage = { type: 'ready', url: started.url, extra: started.extra ?? {} };
  process.send(ready);
}

// Only when forked as a server: tests import SERVER_KINDS to start a kind in their own process.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
