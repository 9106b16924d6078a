/**
 * Lean reads: the two paged reads of discovery (Lambda ListFunctions, Resource Groups Tagging
 * GetResources) sent with node:http(s) and a SigV4 signature of our own instead of through the
 * AWS SDK. Measured (BENCHMARKS.md, "Latest: lean discovery reads"): the server's CPU to its
 * first `tools/list` falls by about 40%, the SDK is not loaded before the first catalog, and on
 * Node.js 24 a 10,000-function refresh no longer leaves ~15 MB of the SDK's response buffers for
 * the next full GC.
 *
 * Used only where it sends exactly what the SDK would (leanReadTarget): the same static
 * credentials, the same endpoint, the same region. Anything else (a profile, SSO, a role, a
 * container or instance role, FIPS or dual-stack endpoints, endpoints or settings from the shared
 * config files, a caller's own clients) keeps the SDK. A lean read that fails in any way (a
 * network error, a non-200 answer, a throttle, a body that is not the expected JSON or is too
 * large) is never reported: the SDK repeats the read, with its retries and error mapping, and the
 * backend stops using lean reads.
 */
import { createHash, createHmac } from 'node:crypto';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

// node:http and node:https (and TLS behind it) load on the first lean read, not with this module:
// a warm start answers from its disk cache before any read, as it did before lean reads. Taken with
// process.getBuiltinModule (Node.js 20.16+), which resolves nothing: a createRequire from this
// module's URL costs a package lookup in the bundled bins (about 5 ms of each start).
let httpModule: typeof Http | undefined;
let httpsModule: typeof Https | undefined;
function libFor(url: URL): typeof Http | typeof Https {
  if (url.protocol === 'https:') {
    httpsModule ??= process.getBuiltinModule('node:https');
    return httpsModule;
  }
  httpModule ??= process.getBuiltinModule('node:http');
  return httpModule;
}

/** Static credentials, as the SDK's environment provider reads them. */
export interface LeanCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface LeanTarget {
  region: string;
  credentials: LeanCredentials;
  endpoints: { lambda: URL; tagging: URL };
  /** Where the credentials came from (for the log line). */
  credentialSource: 'options' | 'environment';
}

export interface LeanTargetInput {
  region: string;
  profile?: string;
  roleArn?: string;
  endpoint?: string;
  /** The backend's credentials option: only a static object can be used. */
  credentials?: unknown;
  /** A caller's own SDK clients: their middleware and configuration would be skipped. */
  ownClients?: boolean;
  /** False: never (the `leanReads` option). */
  enabled?: boolean;
  /** Whether the shared config and credentials files are missing or blank (clients.ts). */
  sharedConfigFilesEmpty: () => Promise<boolean>;
}

/**
 * The regions of the `aws` partition, whose endpoints are `<service>.<region>.amazonaws.com`.
 * GovCloud, China, ISO and sovereign partitions keep the SDK (their endpoints and defaults differ).
 */
const AWS_PARTITION_REGION = /^(?:us|eu|ap|ca|sa|me|af|il|mx)-(?!gov-|iso)[a-z]+(?:-[a-z]+)*-\d{1,2}$/;

function explicitEndpoint(value: string | undefined): URL | undefined | false {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    // The SDK appends the operation's path to an endpoint's own; keep to plain origins.
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.replace(/\/+$/, '') !== '')
      return false;
    if (url.search || url.hash || url.username || url.password) return false;
    return url;
  } catch {
    return false;
  }
}

/**
 * Where lean reads may be used, or why not. Reads `env` as the SDK reads its own (process.env in
 * a server): the credentials of its environment provider, the endpoint variables it honours.
 */
export async function leanReadTarget(
  input: LeanTargetInput,
  env: Record<string, string | undefined> = process.env,
): Promise<LeanTargetDecision> {
  // The files are the decision's last question: answered by the sync decision as "empty", then
  // read here only if it was asked.
  let filesAsked = false;
  const decision = leanReadTargetSync(
    {
      ...input,
      sharedConfigFilesEmpty: () => {
        filesAsked = true;
        return true;
      },
    },
    env,
  );
  if (!filesAsked || !('target' in decision)) return decision;
  return (await input.sharedConfigFilesEmpty()) ? decision : { why: SHARED_FILES_WHY };
}

export type LeanTargetDecision = { target: LeanTarget } | { why: string };
const SHARED_FILES_WHY = 'shared config files may set endpoints';

/**
 * leanReadTarget with the shared files read synchronously: the stdio bin decides with it before the
 * server's bundle is loaded (./early-listing.ts), with the same rules.
 */
export function leanReadTargetSync(
  input: Omit<LeanTargetInput, 'sharedConfigFilesEmpty'> & { sharedConfigFilesEmpty: () => boolean },
  env: Record<string, string | undefined> = process.env,
): LeanTargetDecision {
  if (input.enabled === false) return { why: 'turned off' };
  if (input.ownClients) return { why: 'the caller gave its own SDK clients' };
  if (input.roleArn) return { why: 'a role is assumed' };
  // Node.js 24's proxy support from the environment: kept to the SDK (its agents, its rules).
  // (AWS_CA_BUNDLE is not read by the SDK for JavaScript v3; both trust Node's CAs and
  // NODE_EXTRA_CA_CERTS alike.)
  if (env.NODE_USE_ENV_PROXY) return { why: 'proxy settings in the environment' };

  let credentials: LeanCredentials;
  let credentialSource: LeanTarget['credentialSource'];
  if (input.credentials !== undefined) {
    const c = input.credentials as Record<string, unknown>;
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.accessKeyId !== 'string' ||
      typeof c.secretAccessKey !== 'string' ||
      !c.accessKeyId ||
      !c.secretAccessKey ||
      c.expiration !== undefined ||
      (c.sessionToken !== undefined && typeof c.sessionToken !== 'string')
    ) {
      return { why: 'the credentials are a provider, not static keys' };
    }
    credentials = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken as string } : {}),
    };
    credentialSource = 'options';
  } else {
    // The SDK's default chain starts with the environment's keys unless a profile is named.
    if (input.profile || env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE) return { why: 'a profile is named' };
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
      return { why: 'no static keys in the environment' };
    }
    if (env.AWS_CREDENTIAL_EXPIRATION) return { why: 'the environment keys expire' };
    credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
    credentialSource = 'environment';
  }

  // Endpoints as the SDK chooses them: the option, then AWS_ENDPOINT_URL_<SERVICE>, then
  // AWS_ENDPOINT_URL (unless ignored), then the shared config files, then the default.
  const ignoreEnv = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true';
  const pick = (id: string) =>
    explicitEndpoint(input.endpoint) ??
    (ignoreEnv
      ? undefined
      : (explicitEndpoint(env[`AWS_ENDPOINT_URL_${id}`]) ?? explicitEndpoint(env.AWS_ENDPOINT_URL)));
  let lambda = pick('LAMBDA');
  let tagging = pick('RESOURCE_GROUPS_TAGGING_API');
  if (lambda === false || tagging === false) return { why: 'an endpoint with a path or an unknown scheme' };
  if (!lambda || !tagging) {
    if (!AWS_PARTITION_REGION.test(input.region))
      return { why: `region ${input.region} is outside the aws partition` };
    if (env.AWS_USE_FIPS_ENDPOINT || env.AWS_USE_DUALSTACK_ENDPOINT)
      return { why: 'FIPS or dual-stack endpoints' };
    // The shared config files can name endpoints, FIPS and dual-stack for the default profile.
    if (!input.sharedConfigFilesEmpty()) return { why: SHARED_FILES_WHY };
    lambda ??= new URL(`https://lambda.${input.region}.amazonaws.com`);
    tagging ??= new URL(`https://tagging.${input.region}.amazonaws.com`);
  }
  return { target: { region: input.region, credentials, endpoints: { lambda, tagging }, credentialSource } };
}

// --- SigV4 ---------------------------------------------------------------------------------

const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 (and the SDK's query builder) use it. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface SignInput {
  method: string;
  /** The path as sent, its segments already URI-encoded (SigV4 encodes them once more to sign). */
  path: string;
  query: ReadonlyArray<readonly [string, string]>;
  /** Lower-case names; every one is signed. */
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  credentials: LeanCredentials;
  /** `YYYYMMDDTHHMMSSZ` */
  amzDate: string;
}

/** The query string as sent and as signed: encoded keys and values, sorted by key then value. */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]>): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * The path as signed: every segment URI-encoded again, as SigV4 does for every service but S3 (the
 * SDK's signer: `%3A` in a function ARN is signed as `%253A`). Plain segments stay as they are.
 */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

/** The Authorization header value of a request (AWS4-HMAC-SHA256). */
export function sigV4Authorization(input: SignInput): string {
  const names = Object.keys(input.headers).sort();
  const canonical = [
    input.method,
    canonicalPath(input.path),
    canonicalQuery(input.query),
    names.map((n) => `${n}:${String(input.headers[n]).trim().replace(/\s+/g, ' ')}\n`).join(''),
    names.join(';'),
    sha256Hex(input.body),
  ].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${input.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const key = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, date), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
}

// --- The reader ----------------------------------------------------------------------------

/** Functions per ListFunctions page, as discovery reads them (the API's most is 50). */
export const LEAN_LIST_PAGE_SIZE = 50;

/** The User-Agent of lean reads (the SDK's own starts with `aws-sdk-js`). */
export const LEAN_USER_AGENT = 'lambda-mcp (lean read)';

/**
 * A lean read that did not give the expected answer; the SDK repeats it. `protocol`: the answer
 * was not what the API returns (not JSON, wrong shapes, too large), or AWS refused the signature:
 * lean reads stop. `http`: AWS answered with an error (a denial, a throttle, a 5xx), and
 * `timeout`: no answer in time; the SDK reports or retries those as it always does.
 */
export class LeanReadError extends Error {
  override readonly name = 'LeanReadError';
  constructor(
    message: string,
    readonly kind: 'protocol' | 'http' | 'timeout',
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Whether a failed lean read says lean reads should stop (see LeanReadError). */
export function leanReadsShouldStop(error: unknown): boolean {
  if (!(error instanceof LeanReadError)) return false;
  if (error.kind === 'protocol') return true;
  return error.status === 403 && /Signature/i.test(error.code ?? '');
}

export interface LeanReaderLimits {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxResponseBytes: number;
}

/** What toFunctionConfig reads of a function, type-checked (a field of another type is left out). */
export interface LeanFunction {
  FunctionName?: string;
  FunctionArn?: string;
  Timeout?: number;
  MemorySize?: number;
  Runtime?: string;
  Description?: string;
  Handler?: string;
  LastModified?: string;
  Version?: string;
  State?: string;
  StateReason?: string;
  PackageType?: string;
  Architectures?: string[];
  LoggingConfig?: { LogFormat?: string; LogGroup?: string };
}

const STRING_FIELDS = [
  'FunctionName',
  'FunctionArn',
  'Runtime',
  'Description',
  'Handler',
  'LastModified',
  'Version',
  'State',
  'StateReason',
  'PackageType',
] as const;

function leanFunction(raw: unknown): LeanFunction {
  if (typeof raw !== 'object' || raw === null)
    throw new LeanReadError('a function is not an object', 'protocol');
  const r = raw as Record<string, unknown>;
  if (typeof r.FunctionName !== 'string' || typeof r.FunctionArn !== 'string') {
    throw new LeanReadError('a function without a name or an ARN', 'protocol');
  }
  const out: LeanFunction = {};
  for (const key of STRING_FIELDS) if (typeof r[key] === 'string') out[key] = r[key] as string;
  if (typeof r.Timeout === 'number') out.Timeout = r.Timeout;
  if (typeof r.MemorySize === 'number') out.MemorySize = r.MemorySize;
  if (Array.isArray(r.Architectures)) {
    out.Architectures = r.Architectures.filter((a): a is string => typeof a === 'string');
  }
  const logging = r.LoggingConfig as Record<string, unknown> | undefined;
  if (typeof logging === 'object' && logging !== null) {
    out.LoggingConfig = {
      ...(typeof logging.LogFormat === 'string' ? { LogFormat: logging.LogFormat } : {}),
      ...(typeof logging.LogGroup === 'string' ? { LogGroup: logging.LogGroup } : {}),
    };
  }
  return out;
}

export interface LeanReader {
  listFunctionsPage(
    marker: string | undefined,
    pageSize: number,
    signal?: AbortSignal,
  ): Promise<{ functions: LeanFunction[]; nextMarker?: string }>;
  getResourcesPage(
    input: { tagFilters?: Array<{ Key: string; Values?: string[] }>; token?: string },
    signal?: AbortSignal,
  ): Promise<{
    mappings: Array<{ arn: string; tags: Array<{ Key: string; Value: string }> }>;
    token?: string;
  }>;
  /**
   * GetFunction: the function's configuration and, where lambda:ListTags is allowed and it has
   * some, its tags (a FUNCTION_LIST entry: a name, a partial ARN or an ARN, unqualified).
   */
  getFunction(
    functionName: string,
    signal?: AbortSignal,
  ): Promise<{ configuration: LeanFunction; tags?: Record<string, string> }>;
  close(): void;
}

/** A page's list and next token, or a protocol error when either has another type. */
function pageOf(
  answer: Record<string, unknown>,
  listKey: string,
  tokenKey: string,
): { list: unknown[]; token?: string } {
  const list = answer[listKey] ?? [];
  if (!Array.isArray(list)) throw new LeanReadError(`${listKey} is not a list`, 'protocol');
  const token = answer[tokenKey];
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw new LeanReadError(`${tokenKey} is not a string`, 'protocol');
  }
  return { list, ...(token ? { token } : {}) };
}

function amzDateNow(): string {
  return new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
}

export function createLeanReader(
  target: LeanTarget,
  limits: LeanReaderLimits,
  options: {
    now?: () => string;
    userAgent?: string;
    /** Called when a request has been written to its connection (early-listing.ts waits for it). */
    onWritten?: () => void;
  } = {},
): LeanReader {
  const agents = new Map<string, Http.Agent>();
  const agentFor = (url: URL) => {
    let agent = agents.get(url.protocol);
    if (!agent) {
      // 16: a short FUNCTION_LIST is read in one round (explicit-list.ts).
      agent = new (libFor(url).Agent)({ keepAlive: true, maxSockets: 16 });
      agents.set(url.protocol, agent);
    }
    return agent;
  };
  const now = options.now ?? amzDateNow;

  function send(
    base: URL,
    service: string,
    method: 'GET' | 'POST',
    path: string,
    query: ReadonlyArray<readonly [string, string]>,
    extraHeaders: Record<string, string>,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    // As the SDK's signer sends them (it signs the payload hash header too).
    const headers: Record<string, string> = {
      host: base.host,
      'x-amz-date': now(),
      'x-amz-content-sha256': sha256Hex(body),
      ...extraHeaders,
    };
    if (target.credentials.sessionToken) headers['x-amz-security-token'] = target.credentials.sessionToken;
    const authorization = sigV4Authorization({
      method,
      path,
      query,
      headers,
      body,
      service,
      region: target.region,
      credentials: target.credentials,
      amzDate: headers['x-amz-date'] as string,
    });
    const search = canonicalQuery(query);
    const lib = libFor(base);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        reject(error);
      };
      // Connection and answer together are bounded; so is any silence while the body is read.
      const deadline = setTimeout(
        () => fail(new LeanReadError('no answer in time', 'timeout')),
        limits.connectTimeoutMs + limits.requestTimeoutMs,
      );
      const req = lib.request(
        {
          agent: agentFor(base),
          method,
          protocol: base.protocol,
          hostname: base.hostname,
          ...(base.port ? { port: base.port } : {}),
          path: search ? `${path}?${search}` : path,
          headers: {
            ...headers,
            authorization,
            'user-agent': options.userAgent ?? LEAN_USER_AGENT,
            ...(method === 'POST' ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          },
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > limits.maxResponseBytes) {
              fail(new LeanReadError(`answer larger than ${limits.maxResponseBytes} bytes`, 'protocol'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (error) => fail(error));
          res.on('end', () => {
            if (settled) return;
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks, size).toString('utf8');
            if (status !== 200) {
              const header = res.headers['x-amzn-errortype'];
              const code = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
              fail(new LeanReadError(`HTTP ${status}${code ? ` ${code}` : ''}`, 'http', status, code));
              return;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              fail(new LeanReadError('the answer is not JSON', 'protocol'));
              return;
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
              fail(new LeanReadError('the answer is not a JSON object', 'protocol'));
              return;
            }
            settled = true;
            clearTimeout(deadline);
            resolve(parsed);
          });
        },
      );
      req.setTimeout(limits.requestTimeoutMs, () => fail(new LeanReadError('no data in time', 'timeout')));
      req.on('error', (error) => fail(error));
      if (options.onWritten) req.once('finish', options.onWritten);
      req.end(method === 'POST' ? body : undefined);
    });
  }

  return {
    async listFunctionsPage(marker, pageSize, signal) {
      const query: Array<[string, string]> = [['MaxItems', String(pageSize)]];
      if (marker) query.push(['Marker', marker]);
      const answer = (await send(
        target.endpoints.lambda,
        'lambda',
        'GET',
        // The path exactly as the SDK sends it.
        '/2015-03-31/functions',
        query,
        {},
        '',
        signal,
      )) as Record<string, unknown>;
      const { list, token } = pageOf(answer, 'Functions', 'NextMarker');
      return { functions: list.map(leanFunction), ...(token ? { nextMarker: token } : {}) };
    },
    async getResourcesPage(input, signal) {
      const body = JSON.stringify({
        ResourceTypeFilters: ['lambda:function'],
        ResourcesPerPage: 100,
        ...(input.tagFilters?.length ? { TagFilters: input.tagFilters } : {}),
        ...(input.token ? { PaginationToken: input.token } : {}),
      });
      const answer = (await send(
        target.endpoints.tagging,
        'tagging',
        'POST',
        '/',
        [],
        {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'ResourceGroupsTaggingAPI_20170126.GetResources',
        },
        body,
        signal,
      )) as Record<string, unknown>;
      const { list, token } = pageOf(answer, 'ResourceTagMappingList', 'PaginationToken');
      const mappings: Array<{ arn: string; tags: Array<{ Key: string; Value: string }> }> = [];
      for (const raw of list) {
        const m = raw as Record<string, unknown>;
        if (typeof m !== 'object' || m === null || typeof m.ResourceARN !== 'string') continue;
        const tags = Array.isArray(m.Tags)
          ? m.Tags.filter(
              (t): t is { Key: string; Value: string } =>
                typeof t === 'object' &&
                t !== null &&
                typeof (t as { Key?: unknown }).Key === 'string' &&
                typeof (t as { Value?: unknown }).Value === 'string',
            )
          : [];
        mappings.push({ arn: m.ResourceARN, tags });
      }
      return { mappings, ...(token ? { token } : {}) };
    },
    async getFunction(functionName, signal) {
      const answer = (await send(
        target.endpoints.lambda,
        'lambda',
        'GET',
        // The path as the SDK sends it: the name (or ARN) as one encoded segment.
        `/2015-03-31/functions/${uriEncode(functionName)}`,
        [],
        {},
        '',
        signal,
      )) as Record<string, unknown>;
      const configuration = leanFunction(answer.Configuration);
      const rawTags = answer.Tags;
      if (rawTags === undefined || rawTags === null) return { configuration };
      if (typeof rawTags !== 'object' || Array.isArray(rawTags))
        throw new LeanReadError('Tags is not an object', 'protocol');
      const tags: Record<string, string> = {};
      for (const [key, value] of Object.entries(rawTags as Record<string, unknown>)) {
        if (typeof value !== 'string') throw new LeanReadError('a tag value is not a string', 'protocol');
        // As the SDK's own map (no prototype is set through a tag named __proto__).
        Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return { configuration, tags };
    },
    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
