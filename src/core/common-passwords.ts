// The common-password list CommonPasswordValidator refuses: the ranked list the maintained
// @zxcvbn-ts/language-common package ships (about 49,000 passwords from leaks, lower-case). It is
// loaded on the first password check, not at start-up: other endpoints never pay for it (about
// 50 ms and 7 MB once per process).
//
// The whole list, not its first 20,000 like Django's: zxcvbn's list keeps passwords of every
// length, and its top 20,000 hold only about 4,800 that a minimum of eight characters and the
// numeric rule leave to this validator, against about 8,000 in Django's list; the whole list holds
// about 15,000.

let loaded: ReadonlySet<string> | null = null;

/** The list as a set, loaded once. */
export function commonPasswords(): ReadonlySet<string> {
  if (!loaded) {
    // Required here, on first use, rather than imported: importing would load it with the service.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { dictionary } = require('@zxcvbn-ts/language-common') as { dictionary: Record<string, readonly string[]> };
    loaded = new Set(dictionary['passwords-common']);
  }
  return loaded;
}

/** Whether the list has been loaded in this process (for the test that it is loaded lazily). */
export const commonPasswordsLoaded = (): boolean => loaded !== null;
