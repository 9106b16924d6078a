/**
 * Session ids that carry their session: the small, immutable state a replica needs to rebuild a
 * stateful session it has never seen (negotiated protocol version, client capabilities and info,
 * the owning subject, creation time), sealed with AES-256-GCM under a key derived (HKDF-SHA256)
 * from the secret the replicas share. Any replica can open an id; nobody without the secret can
 * read one or forge one (a changed byte fails the GCM tag). A fresh random IV per id keeps ids
 * unique and unlinkable. The id stays within the characters the spec allows (visible ASCII).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { LambdaMcpError } from '@lambda-mcp/core';

export interface SessionState {
  /** The protocol version negotiated at initialize. */
  protocolVersion: string;
  /** The client's capabilities from initialize (known top-level keys only). */
  clientCapabilities: Record<string, unknown>;
  /** The client's name and version from initialize. */
  clientInfo: { name: string; version: string };
  /** The subject that opened the session; only it may use the session. */
  owner: string;
  /** Creation time, ms since the epoch. */
  createdAt: number;
}

export interface SessionCodec {
  encode(state: SessionState): string;
  /** The state sealed in `id`, or undefined for anything this fleet did not issue (or that was altered). */
  decode(id: string): SessionState | undefined;
}

const VERSION_TAG = 's1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Ids longer than this are refused unread (a header of a few KB at most). */
export const MAX_SESSION_ID_LENGTH = 4096;
/** The sealed JSON is kept under this many bytes (capabilities are trimmed beyond). */
const MAX_STATE_BYTES = 2048;
export const MIN_SECRET_LENGTH = 32;
const AAD = Buffer.from('lambda-mcp session id v1');
const KNOWN_CAPABILITIES = ['roots', 'sampling', 'elicitation', 'tasks', 'experimental'];

/** The key derived from the shared secret (32 bytes). */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'lambda-mcp', 'session-id aes-256-gcm v1', 32));
}

/** A short, non-reversible name of a session id for Redis keys and channels (ids never go to Redis). */
export function sessionKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 32);
}

/** Checks the shared secret's strength; a LambdaMcpError(INVALID_CONFIG) naming the setting otherwise. */
export function assertSessionSecret(secret: string, setting = 'LAMBDA_MCP_SESSION_SECRET'): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Invalid ${setting}: expected at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 48\`); got ${secret.length}.`,
      { details: { setting } },
    );
  }
}

function compact(state: SessionState): string {
  const caps: Record<string, unknown> = {};
  for (const key of KNOWN_CAPABILITIES) {
    if (state.clientCapabilities[key] !== undefined) caps[key] = state.clientCapabilities[key];
  }
  const wire = {
    p: state.protocolVersion,
    c: caps,
    i: [String(state.clientInfo.name).slice(0, 256), String(state.clientInfo.version).slice(0, 64)],
    o: state.owner,
    t: state.createdAt,
  };
  let json = JSON.stringify(wire);
  if (Buffer.byteLength(json) > MAX_STATE_BYTES) {
    // Oversized capabilities (experimental blobs) are the only unbounded part: keep their presence.
    wire.c = Object.fromEntries(Object.keys(caps).map((k) => [k, {}]));
    json = JSON.stringify(wire);
  }
  if (Buffer.byteLength(json) > MAX_STATE_BYTES) {
    throw new LambdaMcpError(
      'INVALID_REQUEST',
      'The session state is too large to be carried in a session id.',
    );
  }
  return json;
}

function expand(json: string): SessionState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const w = v as { p?: unknown; c?: unknown; i?: unknown; o?: unknown; t?: unknown };
  if (
    typeof w.p !== 'string' ||
    typeof w.c !== 'object' ||
    w.c === null ||
    Array.isArray(w.c) ||
    !Array.isArray(w.i) ||
    typeof w.i[0] !== 'string' ||
    typeof w.i[1] !== 'string' ||
    typeof w.o !== 'string' ||
    typeof w.t !== 'number'
  ) {
    return undefined;
  }
  return {
    protocolVersion: w.p,
    clientCapabilities: w.c as Record<string, unknown>,
    clientInfo: { name: w.i[0], version: w.i[1] },
    owner: w.o,
    createdAt: w.t,
  };
}

export function createSessionCodec(secret: string): SessionCodec {
  assertSessionSecret(secret);
  const key = deriveKey(secret);
  return {
    encode(state) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      const sealed = Buffer.concat([cipher.update(compact(state), 'utf8'), cipher.final()]);
      return VERSION_TAG + Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(id) {
      if (typeof id !== 'string' || id.length > MAX_SESSION_ID_LENGTH || !id.startsWith(VERSION_TAG)) {
        return undefined;
      }
      const body = id.slice(VERSION_TAG.length);
      if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
      const raw = Buffer.from(body, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(AAD);
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return expand(plain.toString('utf8'));
      } catch {
        return undefined;
      }
    },
  };
}
