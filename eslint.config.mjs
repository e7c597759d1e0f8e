// ESLint for the library, its tests, benchmarks, scripts and examples. The TypeScript files get
// typescript-eslint's type-aware rules (they need the type checker, so every .ts file must be in
// tsconfig.json's `include`); the few plain JS files get the JavaScript rules only. Formatting is
// Prettier's job: eslint-config-prettier comes last and turns off every rule that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'data/', '.bench/', 'bench/results/']),

  {
    linterOptions: {
      // A disable comment that no longer silences anything is noise that hides the next real
      // problem on that line: fail on it rather than let it rot.
      reportUnusedDisableDirectives: 'error',
    },
  },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Rules the presets leave out that catch real bugs here.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        // A switch without `default` must name every member of its union. One with a `default`
        // covers the rest on purpose (the controller driver picks 3 of routing-controllers' many
        // parameter types), so it is not asked to list them all.
        { considerDefaultExhaustiveForUnions: true },
      ],
      // `import type` shows in the source which imports load a module at run time (what matters
      // for import cycles and side effects) and which are erased; it is also what single-file
      // transpilers need. The rule stays silent in files with decorators, where a type named in a
      // decorated signature must stay a value import for emitDecoratorMetadata.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `_name` marks a parameter or binding kept on purpose (an overridable hook's argument, a
      // property left out of a rest object).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Numbers and booleans print as expected in a template; objects ("[object Object]"),
      // undefined and null in a message are the bugs worth catching.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: false, allowAny: false, allowRegExp: true, allowNever: false },
      ],

      // Strict rules turned off, each on purpose:
      // - no-unnecessary-condition trusts the declared types, and this code checks at run time
      //   what the types cannot promise: TypeORM relations typed as loaded that are undefined when
      //   not joined, settings and bodies from outside, `let` variables a failed `before` hook
      //   never set. Without noUncheckedIndexedAccess it also calls every `arr[i]` check useless.
      //   It would push people to delete exactly the defensive checks worth having.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // - Returning a void call from an arrow (`() => resolve()`, `(x) => void log(x)`) is
      //   idiomatic here; the rule is about style, not correctness.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // - `async` functions without `await` are deliberate where an API takes a promise-returning
      //   function (claim builders, pipeline steps, mocha hooks): `async` turns a throw into a
      //   rejection. A forgotten `await` is what no-floating-promises catches.
      '@typescript-eslint/require-await': 'off',
      // - JWT claims are plain objects by definition; deleting a claim by name is the operation.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // - `serviceOf<T>(ctx)`-style getters for the service parts hung on Koa's context are the
      //   one place this pattern appears, and a cast at every call site would be no safer.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },

  {
    // Tests drive the HTTP API from outside. Their request helpers type response bodies as `any`
    // on purpose (test/support/auth-service.ts) so an assertion reads like the JSON it checks; a
    // wrong guess about a body fails the test, which is the check. The unsafe-* rules would flag
    // every `response.body.access`. no-explicit-any stays on, so each new `any` still needs a
    // disable comment with a reason.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // The same `any` bodies end up in `Bearer ${response.body.access}`.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: false, allowAny: true, allowRegExp: true, allowNever: false },
      ],
    },
  },

  {
    // In tests and benchmarks a `!` (`children.get(name)!` after the harness started that child)
    // that turns out wrong fails the run at once; an explicit check would only repeat that failure
    // in more lines. In the library a wrong `!` is a crash in someone's service, so it stays on.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },

  {
    // The demo page's script runs in the browser as a classic script; it is not TypeScript, so it
    // gets the JavaScript rules only.
    files: ['examples/spa/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },

  {
    // This file and prettier.config.mjs: ES modules run by Node.
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },

  prettier,
);
