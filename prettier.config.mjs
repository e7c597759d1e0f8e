// Prettier, set to the style the code was written in, so adopting it changes few lines.
/** @type {import('prettier').Config} */
export default {
  // Lines here run long on purpose: SQL, option tables and one-line guards read better whole.
  // Of the widths tried (140 to 250), 160 is the one that leaves the most lines as they are:
  // narrower splits the long ones, wider joins lines people broke by hand.
  printWidth: 160,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: true,
  trailingComma: 'all',
  arrowParens: 'always',
  bracketSpacing: true,
  endOfLine: 'lf',
};
