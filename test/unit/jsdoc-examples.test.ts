// Every JSDoc `@example` in src/ must compile against the code it documents. An example that no
// longer matches a signature misleads more than no example at all, and nothing else reads them.
//
// Each example becomes one virtual module that imports the public API (src/index.ts) and the
// exports of the file the example sits in, declares the free names the example uses (`ctx`,
// `settings`, `service`, ...) with `declare const`, and wraps the example: statements in an async
// function (so `await` and `return` work), examples that start with a decorator in a class. All of
// them are type-checked in one TypeScript program with the project's compiler options.
//
// Examples are found by walking src/ at run time, and the names an example may use without
// declaring them are looked up by name, refined per documented symbol: files can move or split
// without this test changing.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository: this file runs as dist/test/unit/jsdoc-examples.test.js. */
const ROOT = resolve(__dirname, '..', '..', '..');
const SRC = join(ROOT, 'src');
/** Where the generated modules pretend to live (nothing is written there). */
const VIRTUAL_DIR = join(ROOT, '.jsdoc-examples');

/**
 * Modules an example may use without importing them, beyond the public API and its own file's
 * exports. Only names that occur in an example are imported.
 */
const MODULE_IMPORTS: Readonly<Record<string, string>> = {
  Koa: "import Koa from 'koa';",
  Context: "import type { Context } from 'koa';",
  Middleware: "import type { Middleware } from 'koa';",
  Router: "import Router from '@koa/router';",
  DataSource: "import type { DataSource } from 'typeorm';",
  EntityManager: "import type { EntityManager } from 'typeorm';",
  Logger: "import type { Logger } from 'pino';",
  Get: "import { Get } from 'routing-controllers';",
  Post: "import { Post } from 'routing-controllers';",
  createServer: "import { createServer } from 'routing-controllers';",
  join: "import { join } from 'node:path';",
  KeyObject: "import type { KeyObject } from 'node:crypto';",
};

/** Free names examples use everywhere, with the type they have in most examples. */
const COMMON_NAMES: Readonly<Record<string, string>> = {
  settings: 'Settings',
  clock: 'Clock',
  ctx: 'Context',
  key: 'string',
  user: 'User',
  userId: 'number',
  service: 'AuthService',
  logger: 'Logger',
  events: 'EventBus<AuthServiceEvents>',
  app: 'Koa',
  codec: 'TokenCodec',
  manager: 'EntityManager',
  dataSource: 'DataSource',
  now: 'Date',
  request: 'RequestInfo | null',
  jti: 'string',
  token: 'string',
  raw: 'string',
  body: 'unknown',
  url: 'string',
  // Delivery examples pass the encoded tokens.
  refresh: 'string',
  access: 'string',
  handler: 'Middleware',
  router: 'Router',
  cutoff: 'Date',
  // The application's own classes that examples plug in (examples/client-service has real ones).
  ReportsController: 'new () => object',
  AccessGroup: 'new () => object',
};

/**
 * Names whose type depends on what the example documents, keyed by that symbol's name (the
 * function, class, interface or constant the JSDoc is attached to). They override COMMON_NAMES.
 */
const NAMES_BY_SYMBOL: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  // The auth-service's parts, each documented with an instance of itself.
  Credentials: { credentials: 'Credentials' },
  LoginThrottle: { throttle: 'LoginThrottle', login: 'string', check: '() => Promise<void>' },
  claimProblem: { names: 'ClaimNames' },
  // The CLI's pieces, documented with the values a command holds.
  probeAuthService: { settings: 'ClientSettings' },
  makeMigrations: { context: 'CommandContext' },
  withMigrationHint: { error: 'unknown', config: 'CliConfig' },
  renderMigration: { change: 'SchemaChange' },
  embed: { parts: 'ServiceContext', driver: 'ControllerDriver' },
  Accounts: { accounts: 'Accounts' },
  Obtainer: { obtainer: 'Obtainer' },
  Refresher: { refresher: 'Refresher', oldRefresh: 'string' },
  Revocation: { revocation: 'Revocation' },
  refreshVerdict: { record: 'TokenRecord', session: 'SessionStanding | null' },
  replayRefusal: { registry: 'TokenRegistry', verdict: '{ rotation: Rotation }' },
  standingOf: { claims: 'Claims' },
  refuseInactive: { principal: 'Principal' },
  LocalAuthenticator: { authenticator: 'LocalAuthenticator' },
  RegistryActions: { actions: 'RegistryActions', actor: 'AuthPrincipal' },
  targetUser: { actor: 'AuthPrincipal' },
  TokenIssuer: { issuer: 'TokenIssuer' },
  UserStore: { store: 'UserStore' },
  BearerVerifier: { bearer: 'BearerVerifier' },
  createServiceApp: { parts: "Parameters<typeof createServiceApp>[0]['service']" },
  // The registry: it records the IssuedTokens the codec makes, not their encoded strings.
  ExpiryCheck: { check: 'ExpiryCheck' },
  RegistrationPipeline: { pipeline: 'RegistrationPipeline', refresh: 'IssuedToken', access: 'IssuedToken' },
  RegistrationStep: { lookup: '(ip: string | undefined) => string' },
  SessionStore: { store: 'SessionStore', currentJti: 'string' },
  TokenQueries: { queries: 'TokenQueries', record: 'TokenRecord' },
  collectTree: { record: 'TokenRecord' },
  TokenRegistry: { registry: 'TokenRegistry', refresh: 'IssuedToken', access: 'IssuedToken' },
  inTransaction: { registry: 'TokenRegistry', recordings: "Parameters<TokenRegistry['recordGroup']>[1]" },
  GroupCommit: { save: '(manager: unknown, item: { id: number }) => Promise<number>', row: '{ id: number }' },
  // Keys, as node:crypto gives them.
  publicJwk: { publicKey: 'KeyObject' },
  jwkThumbprint: { publicKey: 'KeyObject' },
  KeyRing: { publicKey: 'KeyObject' },
  jwkSet: { ring: 'KeyRing' },
  KeyStore: { logger: 'Logger' },
  signEd25519: { privateKey: 'KeyObject' },
  // The client-service's parts read its own settings.
  AuthServiceClient: { upstream: 'AuthServiceClient', settings: 'ClientSettings' },
  relayStatus: { upstream: 'AuthServiceClient', settings: 'ClientSettings' },
  LocalVerification: { settings: 'ClientSettings', sync: 'UserSync' },
  RemoteVerification: { remote: 'RemoteVerification' },
  UserSync: { sync: 'UserSync' },
  JwksKeys: { source: 'DocumentSource' },
  JwksVerification: { settings: 'ClientSettings', sync: 'UserSync', keys: 'JwksKeys' },
  chooseVerification: { settings: 'ClientSettings', upstream: 'AuthServiceClient' },
  importJwkSet: { body: 'string' },
  // Revocation reach: the record, the feed, the list and what keeps it current.
  Revocations: { revocations: 'Revocations' },
  RevocationFeed: { feed: 'RevocationFeed' },
  RevocationLog: { log: 'RevocationLog', notAfter: 'number', expires: 'number' },
  RevocationReach: { settings: 'ClientSettings', upstream: 'AuthServiceClient', iat: 'number' },
  RevocationList: { list: 'RevocationList', iat: 'number' },
  parsePage: { list: 'RevocationList', body: 'string' },
  RevocationPoller: { source: 'RevocationSource', list: 'RevocationList' },
  RevocationPublisher: { entries: 'RevocationEntry[]' },
  RevocationSubscriber: { list: 'RevocationList', poller: 'RevocationPoller' },
  // What the application brings along.
  ClaimRegistry: { billing: '{ planOf(userId: number | string): Promise<{ name: string }> }' },
  EventBus: { audit: '{ write(userId: number): void }' },
  // The social exchange: an identity provider's id token and what verifies it.
  IdentityProviders: { idToken: 'string' },
  SocialExchange: { exchange: 'SocialExchange', idToken: 'string' },
  verifyIdToken: { idToken: 'string', keys: 'KeyResolver', issuer: 'string' },
  jwsSignatureValid: { key: 'VerificationKey', signatureBytes: 'Buffer' },
  tokenHalfHash: { accessToken: 'string' },
  // A pair as the auth-service's JSON answer carries it.
  unverifiedClaims: { pair: '{ refresh: string; access: string }' },
};

interface Example {
  /** Path from the repository root, for messages. */
  readonly file: string;
  readonly absolutePath: string;
  /** 1-based line in `file` of the example's first line. */
  readonly line: number;
  readonly lines: readonly string[];
  /** The documented declaration's name, or null when it could not be told. */
  readonly symbol: string | null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(dir, name))
    .sort();
}

/** A JSDoc tag line: ` * @tag` with one space; example code is indented further (` *   @Get()`). */
const TAG_LINE = /^\s*\* @\w/;
const COMMENT_END = /\*\//;
const DECLARATION =
  /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/;
const MEMBER = /^\s*(?:(?:public|private|protected|static|readonly|async|override|abstract|get|set)\s+)*([A-Za-z_$][\w$]*)\s*[(<:=?]/;

/** The name declared after the comment that ends on line `end` (0-based), skipping decorators. */
function documentedSymbol(lines: readonly string[], end: number): string | null {
  for (let i = end + 1; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '' || text.startsWith('@')) continue;
    return DECLARATION.exec(text)?.[1] ?? MEMBER.exec(text)?.[1] ?? null;
  }
  return null;
}

function examplesIn(absolutePath: string): Example[] {
  const lines = readFileSync(absolutePath, 'utf8').split('\n');
  const file = relative(ROOT, absolutePath);
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\* @example\b/.test(lines[i])) continue;
    const line = i + 2; // 1-based, of the line after the tag
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !TAG_LINE.test(lines[j]) && !COMMENT_END.test(lines[j]); j++) {
      body.push(lines[j].replace(/^\s*\*(?: |$)/, ''));
    }
    let end = j;
    while (end < lines.length && !COMMENT_END.test(lines[end])) end++;
    while (body.length > 0 && body[body.length - 1].trim() === '') body.pop();
    i = j - 1;
    if (body.length === 0) continue;
    const indent = Math.min(...body.filter((text) => text.trim() !== '').map((text) => text.length - text.trimStart().length));
    found.push({ file, absolutePath, line, lines: body.map((text) => text.slice(indent)), symbol: documentedSymbol(lines, end) });
  }
  return found;
}

/** The identifiers `code` uses, leaving out comments, strings and property names after a dot. */
function identifiers(code: string): Set<string> {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code);
  const found = new Set<string>();
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.Identifier && previous !== ts.SyntaxKind.DotToken && previous !== ts.SyntaxKind.QuestionDotToken) {
      found.add(scanner.getTokenValue());
    }
    previous = kind;
  }
  return found;
}

/** Import paths without the .ts extension, relative to the virtual directory. */
const importPath = (absolutePath: string): string => relative(VIRTUAL_DIR, absolutePath).replace(/\.ts$/, '');

interface Generated {
  readonly fileName: string;
  readonly text: string;
  /** 0-based line of the generated file where the example's first line is. */
  readonly firstLine: number;
  readonly example: Example;
}

/** A module of src/ and the names it exports. */
interface ModuleExports {
  readonly absolutePath: string;
  readonly names: readonly string[];
}

/**
 * The module for `example`: it imports or declares each name the example (or a declared name's
 * type) uses, from the first of: the names declared for the documented symbol, the public API,
 * the example's own file, the common names, third-party modules, any other module of src/.
 */
function generate(example: Example, index: number, publicApi: ModuleExports, own: ModuleExports, others: readonly ModuleExports[]): Generated {
  const code = example.lines.join('\n');
  const bySymbol = (example.symbol === null ? undefined : NAMES_BY_SYMBOL[example.symbol]) ?? {};
  const imports = new Map<string, Set<string>>();
  const modules = new Set<string>();
  const declared = new Map<string, string>();
  const addImport = (module: ModuleExports, name: string) => {
    imports.set(module.absolutePath, (imports.get(module.absolutePath) ?? new Set<string>()).add(name));
  };
  /** Provides `name` from the first place that has it; the type to scan next when it is declared. */
  const provide = (name: string): string | undefined => {
    const type = Object.hasOwn(bySymbol, name) ? bySymbol[name] : undefined;
    if (type !== undefined) return declared.set(name, type).get(name);
    const known = [publicApi, own].find((module) => module.names.includes(name));
    if (known) {
      addImport(known, name);
      return undefined;
    }
    if (Object.hasOwn(COMMON_NAMES, name)) return declared.set(name, COMMON_NAMES[name]).get(name);
    if (Object.hasOwn(MODULE_IMPORTS, name)) {
      modules.add(MODULE_IMPORTS[name]);
      return undefined;
    }
    const other = others.find((module) => module.names.includes(name));
    if (other) addImport(other, name);
    return undefined;
  };
  // The example's names, then the names in the types given to them, until nothing is new.
  const seen = new Set<string>();
  const pending = [code];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    for (const name of identifiers(text)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const type = provide(name);
      if (type !== undefined) pending.push(type);
    }
  }
  const header = [
    ...[...imports].map(([absolutePath, names]) => `import { ${[...names].join(', ')} } from '${importPath(absolutePath)}';`),
    ...modules,
    ...[...declared].map(([name, type]) => `declare const ${name}: ${type};`),
  ];
  const firstCode = example.lines.map((text) => text.trim()).find((text) => text !== '' && !text.startsWith('//')) ?? '';
  const open = firstCode.startsWith('@') ? `export class Example${index} {` : `export async function example${index}() {`;
  const text = [...header, open, code, '}', ''].join('\n');
  return { fileName: join(VIRTUAL_DIR, `example-${index}.ts`), text, firstLine: header.length + 1, example };
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configFile, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configFile);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false, incremental: false };
}

/** A compiler host that also serves the generated modules; `parsed` keeps real files parsed once across programs. */
function hostWith(options: ts.CompilerOptions, virtual: ReadonlyMap<string, string>, parsed: Map<string, ts.SourceFile>): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  return {
    ...host,
    fileExists: (fileName) => virtual.has(fileName) || host.fileExists(fileName),
    readFile: (fileName) => virtual.get(fileName) ?? readFile(fileName),
    getSourceFile: (fileName, languageVersion, onError, shouldCreate) => {
      const text = virtual.get(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
      const cached = parsed.get(fileName);
      if (cached && !shouldCreate) return cached;
      const sourceFile = host.getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (sourceFile) parsed.set(fileName, sourceFile);
      return sourceFile;
    },
  };
}

/** The names a module exports, values and types, as an import can name them. */
function exportNames(program: ts.Program, fileName: string): string[] {
  const sourceFile = program.getSourceFile(fileName);
  const moduleSymbol = sourceFile && program.getTypeChecker().getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) return [];
  return program
    .getTypeChecker()
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => symbol.name)
    .filter((name) => name !== 'default' && !name.startsWith('__'));
}

/** `file:line: message` for each problem, with lines mapped back to the example's comment. */
function check(examples: readonly Example[]): string[] {
  const options = compilerOptions();
  const everyModule = sourceFiles(SRC);
  const parsed = new Map<string, ts.SourceFile>();
  const first = ts.createProgram(everyModule, options, hostWith(options, new Map(), parsed));
  const exportsOf = new Map(everyModule.map((absolutePath) => [absolutePath, { absolutePath, names: exportNames(first, absolutePath) }]));
  const publicApi = exportsOf.get(join(SRC, 'index.ts'));
  if (!publicApi) throw new Error('src/index.ts not found');
  const others = [...exportsOf.values()].filter((module) => module !== publicApi);
  const generated = examples.map((example, i) => {
    const own = exportsOf.get(example.absolutePath) ?? { absolutePath: example.absolutePath, names: [] };
    return generate(example, i + 1, publicApi, own, others);
  });
  const virtual = new Map(generated.map((file) => [file.fileName, file.text]));
  const program = ts.createProgram([...virtual.keys()], options, hostWith(options, virtual, parsed));
  const problems = program.getOptionsDiagnostics().map((diagnostic) => `compiler options: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  for (const file of generated) {
    const sourceFile = program.getSourceFile(file.fileName);
    if (!sourceFile) throw new Error(`${file.fileName} was not part of the program`);
    const lineOf = (diagnostic: ts.Diagnostic) => (diagnostic.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line);
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    for (const diagnostic of diagnostics.sort((a, b) => lineOf(a) - lineOf(b))) {
      const line = lineOf(diagnostic);
      const offset = line - file.firstLine;
      const inExample = offset >= 0 && offset < file.example.lines.length;
      const where = `${file.example.file}:${inExample ? file.example.line + offset : file.example.line}`;
      const context = inExample ? '' : ` (in the generated wrapper, line ${line + 1}: ${file.text.split('\n')[line]})`;
      problems.push(`${where}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')}${context}`);
    }
  }
  return problems;
}

describe('JSDoc @example blocks in src/', function () {
  // One program over the whole library and its typings: seconds, not the 20 s default.
  this.timeout(180_000);

  it('all compile against the code they document', () => {
    const examples = sourceFiles(SRC).flatMap(examplesIn);
    expect(examples.length, 'no @example found: is src/ where this test looks?').to.be.greaterThan(0);
    const problems = check(examples);
    expect(problems, `${problems.length} problem(s) in ${examples.length} examples:\n${problems.join('\n')}\n`).to.deep.equal([]);
  });
});
