// The layering of src/, checked from the source text: the top-level folders import each other
// without a cycle, the token core stays free of the HTTP and database stacks, and registry SQL
// lives only in src/registry/ (with the schema that defines its tables).
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** src/ of the repository, from dist/test/unit/ where this file runs. */
const SRC = resolve(__dirname, '..', '..', '..', 'src');

/** Packages the token core must not import: it knows no HTTP framework, database or HTTP client. */
const FORBIDDEN_IN_CORE = /^(koa|koa-[^/]+|@koa\/[^/]+|typeorm|axios|routing-controllers)(\/|$)/;

/** A table of the token registry named in a string. */
const REGISTRY_TABLE = /\beasyjwt_(token_user|token|session|device)\b/;

/** Where registry SQL belongs: the registry itself, and the schema (entities, migrations) that defines the tables. */
const SQL_HOMES = ['registry', join('db', 'migrations'), 'entities'];

interface SourceFile {
  /** Path under src/, e.g. `core/tokens.ts`. */
  readonly path: string;
  readonly ast: ts.SourceFile;
}

function sourceFiles(dir: string = SRC): SourceFile[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return sourceFiles(full);
      if (!name.endsWith('.ts') || name.endsWith('.d.ts')) return [];
      return [{ path: relative(SRC, full), ast: ts.createSourceFile(full, readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true) }];
    });
}

/** Every module specifier of a file: imports (type-only too), `export ... from`, `import()` and `require()`. */
function specifiers(file: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The module a path under src/ belongs to: its top-level folder, or the file itself (`errors`) directly in src/. */
function moduleOf(path: string): string {
  const [first, ...rest] = path.split(sep);
  return rest.length === 0 ? first.replace(/\.ts$/, '') : first;
}

/** The folder graph: for each module, the modules it imports, each with one import that makes the edge. */
function folderGraph(files: readonly SourceFile[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = moduleOf(file.path);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const spec of specifiers(file.ast)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(SRC, dirname(file.path), spec));
      if (target.startsWith('..')) continue;
      const to = moduleOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, `src/${file.path} imports ${spec}`);
    }
  }
  return graph;
}

/** One cycle of the graph, as the modules along it (first repeated last), or null when there is none. */
function findCycle(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    const open = path.indexOf(node);
    if (open >= 0) return [...path.slice(open), node];
    if (done.has(node)) return null;
    path.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** The string literals of a file (template pieces included), with their line numbers. */
function stringLiterals(file: ts.SourceFile): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      found.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('architecture of src/', () => {
  const files = sourceFiles();

  it('reads the source tree', () => {
    expect(files.map((file) => file.path)).to.include(join('core', 'tokens.ts'));
  });

  it('has no cycle between its top-level folders', () => {
    const graph = folderGraph(files);
    const cycle = findCycle(graph);
    const explained = cycle?.slice(1).map((to, i) => `  ${cycle[i]} -> ${to}: ${String(graph.get(cycle[i])?.get(to))}`);
    expect(cycle, cycle ? `folder cycle ${cycle.join(' -> ')}\n${explained?.join('\n') ?? ''}` : '').to.equal(null);
  });

  it('keeps src/core free of koa, @koa/*, typeorm, axios and routing-controllers', () => {
    const offending = files
      .filter((file) => moduleOf(file.path) === 'core')
      .flatMap((file) =>
        specifiers(file.ast)
          .filter((spec) => FORBIDDEN_IN_CORE.test(spec))
          .map((spec) => `src/${file.path} imports ${spec}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it('keeps SQL on the registry tables in src/registry/ (and the schema in src/entities/, src/db/migrations/)', () => {
    const offending = files
      .filter((file) => !SQL_HOMES.some((home) => file.path.startsWith(home + sep)))
      .flatMap((file) =>
        stringLiterals(file.ast)
          .filter((literal) => REGISTRY_TABLE.test(literal.text))
          .map((literal) => `src/${file.path}:${literal.line}: ${literal.text.trim().slice(0, 100)}`),
      );
    expect(offending).to.deep.equal([]);
  });
});
