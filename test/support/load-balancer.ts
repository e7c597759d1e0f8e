// A real load balancer for the several-instances test: Debian's HAProxy, started on loopback from a
// config file the test writes, in front of services the test started. `.ci/run` installs it.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const HAPROXY = '/usr/sbin/haproxy';

/** A running HAProxy and the URL of its frontend. */
export interface LoadBalancer {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Whether Debian's haproxy is installed (the test says how to get it when not). */
export function haproxyInstalled(): boolean {
  try {
    execFileSync(HAPROXY, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now (HAProxy cannot be told to pick one and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts HAProxy balancing round-robin over `backends` (base URLs on 127.0.0.1). Each answer names
 * the instance that served it in `X-Served-By` (`s0`, `s1`, ...), health checks take a dead
 * instance out within a second, and a request whose connection failed or got no answer is retried
 * on the other instance: what a production balancer in front of the auth-service is set to do.
 */
export async function startHaproxy(backends: readonly string[], dir: string): Promise<LoadBalancer> {
  const port = await freePort();
  const servers = backends.map((url, index) => `  server s${index} ${new URL(url).host} check`).join('\n');
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    `global
  maxconn 512

defaults
  mode http
  timeout connect 1s
  timeout client 15s
  timeout server 15s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response

frontend front
  bind 127.0.0.1:${port}
  default_backend services

backend services
  balance roundrobin
  option httpchk GET /.well-known/jwks.json
  http-check expect status 200
  default-server inter 250ms fall 1 rise 1
  http-response set-header X-Served-By %[srv_name]
${servers}
`,
  );
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output}`);
    try {
      const answer = await fetch(`${url}/.well-known/jwks.json`);
      if (answer.headers.get('x-served-by')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not start:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
