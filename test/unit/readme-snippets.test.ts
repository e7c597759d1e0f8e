// The README's TypeScript blocks type-check under `strict` against the public API, as a package
// user's project would see it: `koa-easyjwt` and its subpaths map to the package's entry points.
// Fragments that continue an earlier snippet (`service`, `settings`...) get those names from the
// declarations below, never from each other, so every block is checked on its own.
import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..', '..');
/** Under the repository, so the snippets' own imports (koa, typeorm...) resolve to our node_modules. */
const WORK = join(ROOT, 'dist', 'readme-snippets');

/** The names README fragments take from the text around them. */
const CONTEXT = `
import type { AuthService, ClientService, RegistrationStep, SettingsInput } from 'koa-easyjwt';
import type { MigrationInterface } from 'typeorm';
declare global {
  const service: AuthService & ClientService;
  const settings: SettingsInput;
  const tokenId: number;
  const otherStep: RegistrationStep;
  const billing: { planOf(userId: number | string): Promise<{ name: string }> };
  const audit: { warn(record: object): void };
  const metrics: { count(name: string, labels: object): void };
  class ReportsController {}
  class AccessGroupSqlite implements MigrationInterface { up(): Promise<void>; down(): Promise<void>; }
  class AccessGroupMariadb implements MigrationInterface { up(): Promise<void>; down(): Promise<void>; }
}
export {};
`;

/** Every ```ts block of README.md, with the line it starts on. */
function tsBlocks(): { line: number; code: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks: { line: number; code: string }[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(readme); match; match = fence.exec(readme)) {
    blocks.push({ line: readme.slice(0, match.index).split('\n').length, code: match[1] });
  }
  return blocks;
}

describe('the README TypeScript snippets', function () {
  this.timeout(120_000);

  after(() => rmSync(WORK, { recursive: true, force: true }));

  it('type-check under strict against the public API', () => {
    const blocks = tsBlocks();
    expect(blocks.length).to.be.greaterThan(5);
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    writeFileSync(join(WORK, 'context.d.ts'), CONTEXT);
    // Each block is a module of its own (`export {}`), so names do not leak between blocks.
    const files = blocks.map(({ line, code }) => {
      const file = join(WORK, `readme-line-${line}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram([join(WORK, 'context.d.ts'), ...files], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: true,
      types: ['node'],
      paths: {
        'koa-easyjwt': [join(ROOT, 'src', 'index.ts')],
        'koa-easyjwt/*': [join(ROOT, 'src', '*', 'index.ts')],
      },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || diagnostic.file.fileName.startsWith(WORK))
      .map((diagnostic) => {
        const where = diagnostic.file
          ? `${diagnostic.file.fileName.slice(WORK.length + 1)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
          : '';
        return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(problems).to.deep.equal([]);
  });
});
