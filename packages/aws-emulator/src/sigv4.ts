/**
 * SigV4: the credential scope names the service (how a single-port emulator routes, like moto),
 * and in strict mode the signature is recomputed with @smithy/signature-v4 and compared.
 */
import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/;

export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  if (!value) return undefined;
  const m = AUTH_PATTERN.exec(value.trim());
  if (!m) return undefined;
  return {
    accessKeyId: m[1] as string,
    date: m[2] as string,
    region: m[3] as string,
    service: m[4] as string,
    signedHeaders: (m[5] as string).split(';'),
    signature: m[6] as string,
  };
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function amzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Recomputes the request's signature with the secret of its access key id and compares. */
export async function verifySignature(
  request: {
    method: string;
    rawPath: string;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    body: Buffer;
  },
  auth: ParsedAuthorization,
  secretAccessKey: string,
): Promise<boolean> {
  const dateHeader = request.headers['x-amz-date'];
  const signingDate = amzDate(Array.isArray(dateHeader) ? (dateHeader[0] ?? '') : (dateHeader ?? ''));
  if (!signingDate) return false;
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const all = request.query.getAll(key);
    query[key] = all.length === 1 ? (all[0] as string) : all;
  }
  const host = headers.host ?? '';
  const sessionToken = request.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey,
      ...(typeof sessionToken === 'string' ? { sessionToken } : {}),
    },
    sha256: NodeSha256,
    uriEscapePath: auth.service !== 's3',
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path: request.rawPath,
      query,
      headers,
      body: request.body.length ? request.body : undefined,
    },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  return a.length === b.length && timingSafeEqual(a, b);
}
