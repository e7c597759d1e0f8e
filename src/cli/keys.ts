// `easyjwt keys`: the key store's keys (ALGORITHM asymmetric, SIGNING_KEY empty), managed while
// services run. Every instance reloads the store within KEY_RELOAD_INTERVAL; what a command
// changes is planned in time (activation, retirement), so no instance needs restarting.
import type { Command } from 'commander';
import { Option } from 'commander';
import type { StoredKey } from '../auth-service/key-store';
import { KeyStore } from '../auth-service/key-store';
import { systemClock } from '../core/clock';
import { newKeyPair } from '../core/keys';
import { createDataSource, openDatabase } from '../db/data-source';
import { UsageError } from '../errors';
import type { Algorithm, Settings } from '../settings';
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, usesKeyStore } from '../settings';
import type { CommandContext } from './commands';
import { settingsFor } from './commands';

/** Options of `keys generate` and `keys rotate`. */
export interface KeyFlags {
  alg?: Algorithm;
  /** `generate` only: print a private key PEM for SIGNING_KEY instead of storing one. */
  print?: boolean;
}

/** Opens the key store of the configured database, runs `body`, closes the database. */
async function withKeyStore<T>(context: CommandContext, body: (store: KeyStore, settings: Settings) => Promise<T>): Promise<T> {
  const { settings, logger } = settingsFor(context);
  if (!usesKeyStore(settings)) {
    throw new UsageError(
      `the key store is used with an asymmetric ALGORITHM and no SIGNING_KEY; here ALGORITHM is ${settings.ALGORITHM}${settings.SIGNING_KEY ? ' and SIGNING_KEY is set' : ''}`,
    );
  }
  const dataSource = createDataSource(settings.DATABASE_URL);
  await openDatabase(dataSource);
  try {
    return await body(await KeyStore.forAdmin(dataSource, settings, systemClock, logger), settings);
  } finally {
    await dataSource.destroy();
  }
}

/** One line about a key: kid, algorithm, and what it does now. */
function describe(key: StoredKey, now: number): string {
  const until = key.verifyUntil;
  let state: string;
  if (until !== null && until.getTime() <= now) state = `retired ${until.toISOString()}`;
  else if (key.signsFrom.getTime() > now) state = `published, signs from ${key.signsFrom.toISOString()}`;
  // A key being rotated out signs until its successor starts, then only verifies.
  else if (until !== null) state = `verifying until ${until.toISOString()}`;
  else state = `signing since ${key.signsFrom.toISOString()}`;
  return `${key.kid}  ${key.algorithm.padEnd(5)}  ${state}`;
}

/** `keys generate`: the store's first key (or one more), signing at once; `--print`: a PEM for SIGNING_KEY. */
export async function generateKey(context: CommandContext, flags: KeyFlags): Promise<void> {
  if (flags.print) {
    const algorithm = flags.alg ?? context.config.input.ALGORITHM;
    if (algorithm === undefined || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new UsageError(
        '--print makes a key pair: give --alg RS256|PS256|ES256|EdDSA|... (an HS* secret is any 32+ random bytes, e.g. `openssl rand -hex 32`)',
      );
    }
    context.out((newKeyPair(algorithm).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trimEnd());
    return;
  }
  await withKeyStore(context, async (store, settings) => {
    const key = await store.generate(flags.alg ?? settings.ALGORITHM);
    context.out(`generated ${describe(key, Date.now())}`);
  });
}

/** `keys rotate`: a new key, published now, signing after KEY_ACTIVATION_DELAY; the old ones retire when their tokens have expired. */
export async function rotateKeys(context: CommandContext, flags: KeyFlags): Promise<void> {
  await withKeyStore(context, async (store, settings) => {
    const { created, retiring } = await store.rotate(flags.alg ?? settings.ALGORITHM);
    const now = Date.now();
    context.out(`created ${describe(created, now)}`);
    for (const key of retiring) {
      context.out(`retiring ${key.kid}: verifies until ${key.verifyUntil?.toISOString() ?? '?'}, when the last token it signs has expired`);
    }
  });
}

/** `keys list`: every stored key and what it does now. */
export async function listKeys(context: CommandContext): Promise<void> {
  await withKeyStore(context, async (store) => {
    const keys = await store.list();
    if (keys.length === 0) context.out('(no keys: the auth-service makes the first one when it starts, or run `easyjwt keys generate`)');
    const now = Date.now();
    for (const key of keys) context.out(describe(key, now));
  });
}

/** `keys retire <kid>`: the key stops verifying now (compromise). */
export async function retireKey(context: CommandContext, kid: string): Promise<void> {
  await withKeyStore(context, async (store) => {
    const { retired, replacement } = await store.retire(kid);
    context.out(`retired ${retired.kid}: its tokens are refused from now on (by every instance within KEY_RELOAD_INTERVAL)`);
    if (replacement) context.out(`it was the only signing key: generated ${describe(replacement, Date.now())}`);
  });
}

/** Adds `keys generate|rotate|list|retire` to `program`; `context` is read when a command runs. */
export function registerKeyCommands(program: Command, context: () => CommandContext): void {
  const algorithms = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS];
  const keys = program.command('keys').description('the key store: asymmetric signing keys in the database (ALGORITHM RS/PS/ES/EdDSA, no SIGNING_KEY)');
  keys
    .command('generate')
    .description("store a key that signs at once (the store's first), or print a private key PEM for SIGNING_KEY")
    .addOption(new Option('--alg <algorithm>', 'algorithm of the key (default: ALGORITHM)').choices(algorithms))
    .option('--print', 'print a PKCS#8 PEM instead of storing it')
    .action((flags: KeyFlags) => generateKey(context(), flags));
  keys
    .command('rotate')
    .description('store a new key: published now, signing after KEY_ACTIVATION_DELAY; the old one verifies until its tokens have expired')
    .addOption(new Option('--alg <algorithm>', 'algorithm of the new key (default: ALGORITHM)').choices(algorithms))
    .action((flags: KeyFlags) => rotateKeys(context(), flags));
  keys
    .command('list')
    .description('every stored key: signing, published, verifying until, retired')
    .action(() => listKeys(context()));
  keys
    .command('retire')
    .description('stop verifying a key now (a compromised key); tokens it signed are refused')
    .argument('<kid>', 'the key id, as `keys list` shows it')
    .action((kid: string) => retireKey(context(), kid));
}
