// Calling PyJWT (Debian's python3-jwt, the library simplejwt signs with) from tests, as an
// independent implementation to check our tokens against. Secrets and tokens go over stdin.
import { execFile } from 'node:child_process';

/** Debian's interpreter: the `python3` on PATH may be a pyenv build without the jwt module. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// One small program with three operations, reading one JSON request from stdin and writing one
// JSON answer to stdout. `simplejwt` builds the payload exactly as simplejwt's Token does:
// token_type, exp, iat, jti (uuid4().hex), then the user id, from the current time.
const PROGRAM = String.raw`
import json, sys, time, uuid
import jwt
request = json.loads(sys.stdin.read())
op = request["op"]
if op == "decode":
    try:
        claims = jwt.decode(request["token"], request["key"], algorithms=request["algorithms"])
        header = jwt.get_unverified_header(request["token"])
        print(json.dumps({"ok": True, "claims_json": json.dumps(claims), "header_json": json.dumps(header)}))
    except jwt.PyJWTError as error:
        print(json.dumps({"ok": False, "error": type(error).__name__ + ": " + str(error)}))
elif op == "encode":
    print(json.dumps({"token": jwt.encode(request["payload"], request["key"], algorithm=request["algorithm"])}))
elif op == "simplejwt":
    now = int(time.time())
    payload = {"token_type": request["type"], "exp": now + request["lifetime"], "iat": now,
               "jti": uuid.uuid4().hex, "user_id": request["user_id"]}
    print(json.dumps({"token": jwt.encode(payload, request["key"], algorithm=request.get("algorithm", "HS256"))}))
`;

function runPython(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(SYSTEM_PYTHON, args, { timeout: 20000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      // A missing interpreter leaves stderr empty: report the spawn error (ENOENT) instead.
      resolve({ code, stdout, stderr: stderr || (error ? error.message : '') });
    });
    child.stdin?.on('error', () => undefined); // the interpreter may be missing: reported via `code`
    child.stdin?.end(input);
  });
}

/** Null when PyJWT can be used, else why it cannot (to print when skipping). */
export async function pyjwtUnavailableReason(): Promise<string | null> {
  const result = await runPython(['-c', 'import jwt; print(jwt.__version__)'], '');
  if (result.code === 0) return null;
  return `${SYSTEM_PYTHON} cannot import jwt (install Debian's python3-jwt): ${result.stderr.trim().split('\n').pop() ?? ''}`;
}

async function ask<T>(request: Record<string, unknown>): Promise<T> {
  const result = await runPython(['-c', PROGRAM], JSON.stringify(request));
  if (result.code !== 0) throw new Error(`PyJWT helper failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** What PyJWT made of a token: the claims and header as Python's json.dumps writes them (order kept). */
export type PyJwtDecoded = { ok: true; claimsJson: string; headerJson: string } | { ok: false; error: string };

/** `jwt.decode(token, key, algorithms=algorithms)`, which checks signature, algorithm and `exp`. */
export async function pyjwtDecode(token: string, key: string, algorithms: string[] = ['HS256']): Promise<PyJwtDecoded> {
  const answer = await ask<{ ok: boolean; claims_json?: string; header_json?: string; error?: string }>({ op: 'decode', token, key, algorithms });
  return answer.ok ? { ok: true, claimsJson: answer.claims_json!, headerJson: answer.header_json! } : { ok: false, error: answer.error! };
}

/** `jwt.encode(payload, key, algorithm)`; the payload's key order is kept through JSON. */
export async function pyjwtEncode(payload: Record<string, unknown>, key: string, algorithm = 'HS256'): Promise<string> {
  return (await ask<{ token: string }>({ op: 'encode', payload, key, algorithm })).token;
}

/** A token built the way simplejwt builds one, signed by PyJWT. */
export async function simplejwtToken(options: {
  type: 'access' | 'refresh';
  userId: number | string;
  key: string;
  lifetime?: number;
  algorithm?: string;
}): Promise<string> {
  const lifetime = options.lifetime ?? (options.type === 'access' ? 300 : 86400);
  const request = { op: 'simplejwt', type: options.type, lifetime, user_id: options.userId, key: options.key, algorithm: options.algorithm };
  return (await ask<{ token: string }>(request)).token;
}
