// Running a real Django simplejwt auth-service (test/interop/django/) as a peer for interop tests.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestResponse } from './auth-service';
import { call } from './auth-service';
import { SYSTEM_PYTHON } from './interop-pyjwt';

/** Debian's packages for the peer; pip is not reachable here, apt is. */
export const DJANGO_PACKAGES = ['python3-django', 'python3-djangorestframework', 'python3-djangorestframework-simplejwt'];

/** The Django project, found from the repository root so this works from dist/ and from ts-node. */
export const PEER_DIR = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, 'test', 'interop', 'django');
})();

/** Runs the system interpreter; never throws, the exit code says how it went. */
export function runSystemPython(args: string[], timeout = 20000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(SYSTEM_PYTHON, args, { cwd: PEER_DIR, timeout, env: pythonEnv({}) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr || (error ? error.message : '') });
    });
  });
}

function run(command: string, args: string[], timeout: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFile(command, args, { timeout, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const IMPORT_CHECK = 'import django, rest_framework, rest_framework_simplejwt; print(django.get_version())';

async function importFailure(): Promise<string | null> {
  const result = await runSystemPython(['-c', IMPORT_CHECK]);
  return result.code === 0 ? null : (result.stderr.trim().split('\n').pop() ?? 'import failed');
}

/** Installs the packages with apt-get, saying what it does; after an update if the first try fails. */
async function aptInstall(): Promise<void> {
  const install = ['install', '-y', '--no-install-recommends', ...DJANGO_PACKAGES];
  console.log(`    installing the Django peer's packages: apt-get ${install.join(' ')}`);
  let result = await run('apt-get', install, 300000);
  if (result.code !== 0) {
    console.log('    apt-get install failed; running apt-get update and trying again');
    await run('apt-get', ['update'], 300000);
    result = await run('apt-get', install, 300000);
  }
  const installed = result.output.split('\n').filter((line) => line.startsWith('Setting up '));
  console.log(`    apt-get exited with ${result.code}${installed.length ? ':\n      ' + installed.join('\n      ') : ''}`);
}

let availability: Promise<string | null> | undefined;

/**
 * Null when the Django peer can run, else why not. Installs Debian's packages on first use when
 * apt-get is there and we are root. Asked once per run.
 */
export function djangoUnavailableReason(): Promise<string | null> {
  availability ??= (async () => {
    const first = await importFailure();
    if (!first) return null;
    if (!existsSync('/usr/bin/apt-get')) return `${SYSTEM_PYTHON} cannot import Django (${first}) and apt-get is not available`;
    if (process.getuid?.() !== 0) return `${SYSTEM_PYTHON} cannot import Django (${first}); run as root to apt-get install ${DJANGO_PACKAGES.join(' ')}`;
    await aptInstall();
    const second = await importFailure();
    return second ? `${SYSTEM_PYTHON} still cannot import Django after apt-get install: ${second}` : null;
  })();
  return availability;
}

/** Skips the calling suite, visibly, when the Django peer cannot run (installing it first if it may). */
export function requireDjango(): void {
  before(async function () {
    this.timeout(600000); // an apt-get install on a cold machine
    const reason = await djangoUnavailableReason();
    if (reason) {
      console.warn(`    skipping Django peer tests: ${reason}`);
      this.skip();
    }
  });
}

/** A user the peer creates at start-up, in order: the first gets id 1 on the fresh database. */
export interface PeerUser {
  username: string;
  email?: string;
  password: string;
  first_name?: string;
  last_name?: string;
  is_active?: boolean;
  is_staff?: boolean;
}

export interface DjangoPeerOptions {
  signingKey: string;
  /** What the peer serves (peer_settings.py): simplejwt's auth-service, or the easyjwt 1.1 cookie-mode client stand-in. */
  mode?: 'auth-service' | 'easyjwt-cookie-client';
  algorithm?: string;
  users?: PeerUser[];
  accessLifetimeSeconds?: number;
  refreshLifetimeSeconds?: number;
  rotateRefreshTokens?: boolean;
  blacklistAfterRotation?: boolean;
}

/** A running Django auth-service; `userId`, `username`, `password` are the first user's. */
export interface DjangoPeer {
  readonly url: string;
  readonly userId: number;
  readonly username: string;
  readonly password: string;
  readonly users: readonly (PeerUser & { id: number })[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /** Everything Django wrote to stderr (request lines, tracebacks), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export const DEFAULT_PEER_USER: PeerUser = { username: 'peer', email: 'peer@test.com', password: 'peer-pass-1234' };

// Our pyenv's variables must not leak into Debian's interpreter, and bytecode must not land in the repo.
function pythonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...extra };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return env;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Starts test/interop/django/serve.py: a fresh SQLite file in a temp dir, migrated, with `users`
 * created, listening on a port the kernel picked.
 *
 * @example
 *   const django = await startDjangoAuthService({ signingKey: TEST_KEY });
 *   const pair = (await django.post('/auth/token/', { username: django.username, password: django.password })).body;
 */
export async function startDjangoAuthService(options: DjangoPeerOptions): Promise<DjangoPeer> {
  const users = options.users ?? [DEFAULT_PEER_USER];
  if (users.length === 0) throw new Error('the peer needs at least one user');
  const dir = mkdtempSync(path.join(tmpdir(), 'django-peer-'));
  const child = spawn(SYSTEM_PYTHON, [path.join(PEER_DIR, 'serve.py')], {
    cwd: PEER_DIR,
    detached: true, // its own process group, so stop() reaches any thread or child it has
    stdio: ['pipe', 'pipe', 'pipe'],
    env: pythonEnv({
      DJANGO_PEER_MODE: options.mode ?? 'auth-service',
      DJANGO_PEER_DB: path.join(dir, 'db.sqlite3'),
      DJANGO_PEER_SIGNING_KEY: options.signingKey,
      DJANGO_PEER_ALGORITHM: options.algorithm ?? 'HS256',
      DJANGO_PEER_ACCESS_LIFETIME: String(options.accessLifetimeSeconds ?? 300),
      DJANGO_PEER_REFRESH_LIFETIME: String(options.refreshLifetimeSeconds ?? 86400),
      DJANGO_PEER_ROTATE_REFRESH_TOKENS: options.rotateRefreshTokens ? '1' : '0',
      DJANGO_PEER_BLACKLIST_AFTER_ROTATION: options.blacklistAfterRotation ? '1' : '0',
      DJANGO_PEER_USERS: JSON.stringify(users),
    }),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-64 * 1024)));
  child.stdin.on('error', () => undefined); // it may already be gone when we close the pipe
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGKILL'); // a run that dies without after-hooks
  process.once('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      child.stdin.end();
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    })());

  let ready: { port: number; users: { username: string; id: number }[] };
  try {
    ready = await new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error('the Django peer did not report ready within 30 s')), 30000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{"ready"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the Django peer exited (${String(code ?? signal)}) before it was ready`));
      });
      child.once('error', reject);
    });
    // serve.py reports after bind+listen, so this is belt and braces: one answered request.
    const url = `http://127.0.0.1:${ready.port}`;
    for (let attempt = 0; ; attempt++) {
      const answered = await fetch(`${url}/auth/token/`).then(
        () => true,
        () => false,
      );
      if (answered) break;
      if (attempt >= 50) throw new Error('the Django peer does not answer');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- Django stderr ---\n${stderr}`, { cause: error });
  }

  const url = `http://127.0.0.1:${ready.port}`;
  const withIds = users.map((user, index) => ({ ...user, id: ready.users[index].id }));
  return {
    url,
    userId: withIds[0].id,
    username: withIds[0].username,
    password: withIds[0].password,
    users: withIds,
    post: (p, body, headers = {}) =>
      call(url + p, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (p, headers = {}) => call(url + p, { headers }),
    log: () => stderr,
    stop,
  };
}

/**
 * Starts the Django stand-in for django-easyjwt 1.1's cookie-mode client-service
 * (test/interop/django/peer_client_urls.py): csrf/, token/refresh/ and token/logout/ under Django's
 * own CSRF check.
 *
 * @example
 *   const django = await startDjangoCookieClient();
 *   const csrf = await django.get('/auth/csrf/'); // Set-Cookie: csrftoken=...
 */
export function startDjangoCookieClient(): Promise<DjangoPeer> {
  // No token is ever checked there; simplejwt only needs a key to start.
  return startDjangoAuthService({ mode: 'easyjwt-cookie-client', signingKey: 'stand-in-key-that-is-at-least-32-bytes-long' });
}
