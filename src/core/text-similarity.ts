// The text measures Django's password validators rest on, in Python's terms: lengths and
// comparisons count code points (a Python str is a sequence of code points, a JS string of UTF-16
// units), and the similarity is difflib's SequenceMatcher.quick_ratio, the only ratio Django calls.

/** The code points of `text`, as Python iterates a str. */
export const codePoints = (text: string): string[] => Array.from(text);

/** Python's len() of a str: its code points, so an emoji counts once. */
export const pythonLength = (text: string): number => codePoints(text).length;

/**
 * difflib's SequenceMatcher(a, b).quick_ratio(): twice the size of the multiset intersection of
 * the two strings' characters over their summed lengths, order ignored. It bounds ratio() from
 * above and costs one pass over each string. Two empty strings are alike (1.0), as in difflib.
 *
 * @example
 *   quickRatio('abcd', 'bcde'); // 0.75: three characters shared, 2 * 3 / 8
 */
export function quickRatio(a: string, b: string): number {
  const available = new Map<string, number>();
  const bPoints = codePoints(b);
  for (const char of bPoints) available.set(char, (available.get(char) ?? 0) + 1);
  const aPoints = codePoints(a);
  let shared = 0;
  for (const char of aPoints) {
    const left = available.get(char) ?? 0;
    if (left > 0) {
      shared += 1;
      available.set(char, left - 1);
    }
  }
  const total = aPoints.length + bPoints.length;
  return total === 0 ? 1 : (2 * shared) / total;
}

// Python's \W for str patterns: anything but a letter, a number or the underscore.
const NON_WORD_RUN = /[^\p{L}\p{N}_]+/u;

/** Python's re.split(r'\W+', text): the runs of word characters, with '' where a separator run starts or ends the text. */
export const splitOnNonWord = (text: string): string[] => text.split(NON_WORD_RUN);

// Characters Python's str.isdigit() accepts besides decimal digits (Unicode Numeric_Type=Digit):
// superscripts, subscripts, circled and dingbat digits and the like, which JS has no class for.
const OTHER_DIGITS =
  '\\u00B2\\u00B3\\u00B9\\u1369-\\u1371\\u19DA\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468\\u2474-\\u247C\\u2488-\\u2490\\u24EA\\u24F5-\\u24FD\\u24FF\\u2776-\\u277E\\u2780-\\u2788\\u278A-\\u2792\\u{10A40}-\\u{10A43}\\u{10E60}-\\u{10E68}\\u{11052}-\\u{1105A}\\u{1F100}-\\u{1F10A}';
const ALL_DIGITS = new RegExp(`^[\\p{Nd}${OTHER_DIGITS}]+$`, 'u');

/** Python's str.isdigit(): at least one character, and every one a digit. */
export const isPythonDigits = (text: string): boolean => ALL_DIGITS.test(text);

// Python's str.strip() with no argument removes what str.isspace() accepts: not quite JS's \s
// (Python adds NEL and the information separators \x1c-\x1f; JS adds the byte-order mark).
const PYTHON_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGE_SPACE = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, 'g');

/** Python's str.strip(). */
export const pythonStrip = (text: string): string => text.replace(EDGE_SPACE, '');
