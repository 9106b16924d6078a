/**
 * A node:http server on 127.0.0.1 that the real AWS SDK v3 clients can be pointed at. Requests are
 * routed by the service of their SigV4 credential scope (…/<region>/<service>/aws4_request), as
 * moto does, and answered from a Backend (the local runtime by default).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Backend, Logger, RawSchemaDocument } from '@lambda-mcp/core';
import { silentLogger } from '@lambda-mcp/core';
import { createLocalBackend, type LocalBackend, type SyntheticFunctionSpec } from '@lambda-mcp/core/local';
import { accessDenied, faultError, fromBackendError, renderError } from './errors.js';
import { decideFault, type FaultKind, type FaultOptions } from './faults.js';
import { ALWAYS_ALLOWED, deniedMessage, evaluatePolicy, type PolicyDocument, parsePolicy } from './iam.js';
import { createQuotaGate, type QuotaGate, type QuotaOptions } from './quotas.js';
import { handleCloudWatch, routeCloudWatch } from './services/cloudwatch.js';
import {
  bareFunctionName,
  handleLambda,
  LAMBDA_IAM_ACTIONS,
  labelQualifier,
  routeLambda,
} from './services/lambda.js';
import { handleLogs, routeLogs } from './services/logs.js';
import { handleSchemas, routeSchemas, schemaKey } from './services/schemas.js';
import { handleSts, routeSts } from './services/sts.js';
import { handleTagging, routeTagging } from './services/tagging.js';
import { parseAuthorization, verifySignature } from './sigv4.js';
import type { EmulatorState } from './state.js';
import { type Handled, newRequestId, type ServiceName, WireError, type WireRequest } from './wire.js';

export type { FaultKind, FaultOptions } from './faults.js';
export type { PolicyDocument, PolicyStatementDoc } from './iam.js';
export type { QuotaOptions } from './quotas.js';

export interface EmulatorOptions {
  /** The platform behind the wire. Default: a local backend over `functionsDir` and `synthetic`. */
  backend?: Backend;
  /** Directory of local functions for the default backend. */
  functionsDir?: string;
  /** Functions without code for the default backend (catalogs of thousands, no workers). */
  synthetic?: SyntheticFunctionSpec[];
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Region of the default backend (default us-east-1). */
  region?: string;
  /** Account of the default backend (default 000000000000). */
  accountId?: string;
  /** Faults injected from the start (see setFaults). */
  faults?: FaultOptions;
  /** Seed of the fault decisions (default 1): the same seed and request order give the same faults. */
  seed?: number;
  /** IAM actions answered with AccessDenied, e.g. `tag:GetResources`, `lambda:ListTags`. */
  deny?: string[];
  /**
   * An identity policy (IAM JSON) for the caller; what it does not allow is refused as AWS does.
   * Absent: everything is allowed. Applies to assumed roles too unless `rolePolicies` names them.
   */
  policy?: PolicyDocument | string;
  /** Identity policies of roles assumed through the emulator's STS, by role ARN. */
  rolePolicies?: Record<string, PolicyDocument | string>;
  /**
   * Enforce Lambda's control-plane request quotas (true: AWS's figures, 15 per second for
   * ListFunctions and most control-plane calls, 100 for GetFunction; see ./quotas.ts).
   */
  quotas?: boolean | QuotaOptions;
  /** Extra registry documents served by DescribeSchema (before asking the backend). */
  schemas?: RawSchemaDocument[];
  /**
   * Strict SigV4: recompute every signature with these secrets (by access key id; keys issued by
   * the emulator's STS are known too). A wrong signature gets 403 InvalidSignatureException.
   */
  verifySignatures?: Record<string, string>;
  /** Paged ListFunctions calls reuse one read of the backend for this long (ms, default 200). */
  listCacheMs?: number;
  logger?: Logger;
}

export interface EmulatorRequestRecord {
  seq: number;
  /** Epoch ms when the request arrived. */
  time: number;
  service: ServiceName | 'unknown';
  operation: string;
  functionName?: string;
  /** The version or alias a Lambda request names (`?Qualifier=`, or `name:qualifier` in the path). */
  qualifier?: string;
  method: string;
  path: string;
  status?: number;
  errorCode?: string;
  accessKeyId?: string;
  region?: string;
  /** The role behind an access key issued by the emulator's STS. */
  assumedRoleArn?: string;
  fault?: FaultKind;
  /** For Invoke faults: whether the function ran before the fault. */
  faultAfterExecution?: boolean;
  signatureValid?: boolean;
  durationMs?: number;
  /** The User-Agent header (tells the SDK's requests from lambda-mcp's lean reads). */
  userAgent?: string;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: give it to the SDK clients as `endpoint` or AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly backend: Backend;
  /** Every request received, in arrival order. */
  readonly requests: EmulatorRequestRecord[];
  /** Executions of a function: the local backend's handler executions, else invocations handed over. */
  executions(functionName: string): number;
  setFaults(faults: FaultOptions | undefined, seed?: number): void;
  setDeny(actions: string[]): void;
  /** Turns the control-plane quotas on (true or figures) or off (false). */
  setQuotas(quotas: boolean | QuotaOptions): void;
  /** Control-plane requests throttled by the quotas so far. */
  readonly quotaThrottles: { getFunction: number; controlPlane: number };
  /** Replaces the identity policies (undefined: allow everything). */
  setPolicy(
    policy: PolicyDocument | string | undefined,
    rolePolicies?: Record<string, PolicyDocument | string>,
  ): void;
  addSchema(doc: RawSchemaDocument): void;
  clearRequests(): void;
  close(): Promise<void>;
}

const IAM_PREFIX: Record<ServiceName, string> = {
  lambda: 'lambda',
  schemas: 'schemas',
  monitoring: 'cloudwatch',
  logs: 'logs',
  tagging: 'tag',
  sts: 'sts',
};
const KNOWN_SERVICES = new Set<string>(Object.keys(IAM_PREFIX));
const MAX_BODY = 16 * 1024 * 1024;

function isLocalBackend(backend: Backend): backend is LocalBackend {
  return backend.kind === 'local' && typeof (backend as Partial<LocalBackend>).executionCount === 'function';
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const logger = options.logger ?? silentLogger;
  const ownBackend = !options.backend;
  const backend: Backend =
    options.backend ??
    (await createLocalBackend({
      ...(options.functionsDir ? { dir: options.functionsDir } : {}),
      ...(options.synthetic ? { syntheticFunctions: options.synthetic } : {}),
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
      logger,
    }));
  const accountId =
    options.accountId ??
    (isLocalBackend(backend) ? backend.accountId : undefined) ??
    (await backend
      .listFunctions()
      .then((fns) => fns[0]?.arn.split(':')[4])
      .catch(() => undefined)) ??
    '000000000000';
  const state: EmulatorState = {
    backend,
    region: backend.region,
    accountId,
    schemas: new Map(),
    executions: new Map(),
    assumedRoles: new Map(),
    logTokens: new Map(),
    listCacheMs: options.listCacheMs ?? 200,
  };
  const addSchema = (doc: RawSchemaDocument) => {
    state.schemas.set(schemaKey(doc.registryName, doc.schemaName), doc);
    if (doc.schemaVersion)
      state.schemas.set(schemaKey(doc.registryName, doc.schemaName, doc.schemaVersion), doc);
  };
  for (const doc of options.schemas ?? []) addSchema(doc);

  let faults: FaultOptions | undefined = options.faults;
  let seed = options.seed ?? 1;
  let deny = new Set(options.deny ?? []);
  const gateFor = (q: boolean | QuotaOptions | undefined): QuotaGate | undefined =>
    q ? createQuotaGate(q === true ? {} : q) : undefined;
  let quotaGate = gateFor(options.quotas);
  let policy = options.policy === undefined ? undefined : parsePolicy(options.policy);
  let rolePolicies = new Map(
    Object.entries(options.rolePolicies ?? {}).map(([arn, doc]) => [arn, parsePolicy(doc)] as const),
  );
  /** The principal of an access key: the assumed role's session, else the emulator's user. */
  const principalOf = (accessKeyId: string): { arn: string; roleArn?: string } => {
    const assumed = state.assumedRoles.get(accessKeyId);
    if (!assumed) return { arn: `arn:aws:iam::${state.accountId}:user/emulator` };
    return {
      arn: `${assumed.roleArn.replace(':role/', ':assumed-role/').replace(/^arn:aws:iam:/, 'arn:aws:sts:')}/lambda-mcp`,
      roleArn: assumed.roleArn,
    };
  };
  let seq = 0;
  const requests: EmulatorRequestRecord[] = [];
  const sockets = new Set<Socket>();

  async function identify(
    req: WireRequest,
  ): Promise<{ operation: string; functionName?: string; qualifier?: string; resource: string }> {
    switch (req.service) {
      case 'lambda': {
        const route = routeLambda(req);
        const fn = bareFunctionName(route.label);
        const qualifier = req.query.get('Qualifier') ?? labelQualifier(route.label);
        return {
          operation: route.operation,
          ...(fn ? { functionName: fn } : {}),
          ...(qualifier ? { qualifier } : {}),
          resource: lambdaResource(route.label, req.query.get('Qualifier')),
        };
      }
      case 'schemas': {
        const route = routeSchemas(req);
        return {
          operation: route.operation,
          resource: `arn:aws:schemas:${state.region}:${state.accountId}:schema/${route.registryName ?? '*'}/${route.schemaName ?? '*'}`,
        };
      }
      case 'monitoring':
        return { operation: routeCloudWatch(req), resource: '*' };
      case 'logs': {
        let group: unknown;
        try {
          group = (JSON.parse(req.body.toString('utf8') || '{}') as { logGroupName?: unknown }).logGroupName;
        } catch {
          group = undefined;
        }
        return {
          operation: routeLogs(req),
          resource:
            typeof group === 'string'
              ? `arn:aws:logs:${state.region}:${state.accountId}:log-group:${group}:*`
              : '*',
        };
      }
      case 'tagging':
        return { operation: routeTagging(req), resource: '*' };
      case 'sts': {
        const role = new URLSearchParams(req.body.toString('utf8')).get('RoleArn');
        return { operation: routeSts(req), resource: role ?? '*' };
      }
    }
  }

  /** The ARN IAM checks for a Lambda request: the function (with its qualifier), or `*`. */
  function lambdaResource(label: string | undefined, qualifier: string | null): string {
    if (!label) return '*';
    const base = label.startsWith('arn:')
      ? label
      : /^\d{12}:function:/.test(label)
        ? `arn:aws:lambda:${state.region}:${label}`
        : `arn:aws:lambda:${state.region}:${state.accountId}:function:${label}`;
    return qualifier && base.split(':').length === 7 ? `${base}:${qualifier}` : base;
  }

  /**
   * GetFunction carries the function's tags only when the caller is allowed lambda:ListTags
   * ("Lambda returns tag data only if you have explicit allow permissions for lambda:ListTags",
   * GetFunction API reference); otherwise `TagsError` says why.
   */
  function withoutUnallowedTags(handled: Handled, accessKeyId: string, resource: string): Handled {
    const principal = principalOf(accessKeyId);
    const doc = (principal.roleArn ? rolePolicies.get(principal.roleArn) : undefined) ?? policy;
    const functionArn = resource.split(':').slice(0, 7).join(':');
    const denied = deny.has('lambda:ListTags');
    const decided = doc ? evaluatePolicy(doc, 'lambda:ListTags', functionArn) : { allowed: true as const };
    if (!denied && decided.allowed) return handled;
    const body = JSON.parse(
      typeof handled.body === 'string' ? handled.body : Buffer.from(handled.body).toString('utf8'),
    ) as Record<string, unknown>;
    delete body.Tags;
    body.TagsError = {
      ErrorCode: 'AccessDeniedException',
      Message: deniedMessage(
        principal.arn,
        'lambda:ListTags',
        functionArn,
        !denied && !decided.allowed && decided.explicit,
      ),
    };
    return { ...handled, body: JSON.stringify(body) };
  }

  async function dispatch(req: WireRequest, operation: string): Promise<Handled> {
    switch (req.service) {
      case 'lambda':
        return handleLambda(req, state, routeLambda(req));
      case 'schemas':
        return handleSchemas(req, state, routeSchemas(req));
      case 'monitoring':
        return handleCloudWatch(req, state, operation);
      case 'logs':
        return handleLogs(req, state, operation);
      case 'tagging':
        return handleTagging(req, state, operation);
      case 'sts':
        return handleSts(req, state, operation);
    }
  }

  function send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Uint8Array,
    requestId: string,
  ) {
    if (res.destroyed) return;
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(status, {
      ...headers,
      'x-amzn-requestid': requestId,
      'content-length': String(payload.byteLength),
      date: new Date().toUTCString(),
    });
    res.end(payload);
  }

  async function control(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Buffer,
  ): Promise<void> {
    const reply = (status: number, value: unknown) =>
      send(res, status, { 'content-type': 'application/json' }, JSON.stringify(value), newRequestId());
    if (path === '/_emulator/health') return reply(200, { status: 'ok', region: state.region, accountId });
    if (path === '/_emulator/requests') return reply(200, requests);
    if (path.startsWith('/_emulator/executions/')) {
      const name = decodeURIComponent(path.slice('/_emulator/executions/'.length));
      return reply(200, { functionName: name, executions: emulator.executions(name) });
    }
    if (path === '/_emulator/faults' && req.method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { faults?: FaultOptions; seed?: number };
      emulator.setFaults(input.faults, input.seed);
      return reply(200, { faults: faults ?? null, seed });
    }
    if (path === '/_emulator/deny' && req.method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { actions?: string[] };
      emulator.setDeny(input.actions ?? []);
      return reply(200, { deny: [...deny] });
    }
    if (path === '/_emulator/quotas' && req.method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as { quotas?: boolean | QuotaOptions };
      emulator.setQuotas(input.quotas ?? false);
      return reply(200, { quotas: input.quotas ?? false });
    }
    if (path === '/_emulator/quotas' && req.method === 'GET') return reply(200, emulator.quotaThrottles);
    if (path === '/_emulator/policy' && req.method === 'POST') {
      const input = JSON.parse(body.toString('utf8') || '{}') as {
        policy?: PolicyDocument;
        rolePolicies?: Record<string, PolicyDocument>;
      };
      try {
        emulator.setPolicy(input.policy, input.rolePolicies);
      } catch (error) {
        return reply(400, { message: error instanceof Error ? error.message : String(error) });
      }
      return reply(200, { policy: policy ?? null });
    }
    if (path === '/_emulator/requests/clear' && req.method === 'POST') {
      requests.length = 0;
      return reply(200, { cleared: true });
    }
    return reply(404, { message: `Unknown control path ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const arrived = performance.now();
    // The emulated latency is the time to answer, the emulator's own work included.
    const waitOut = (latencyMs: number) => delay(latencyMs - (performance.now() - arrived));
    const requestId = newRequestId();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawPath = (req.url ?? '/').split('?')[0] as string;
    const body = await readBody(req);
    const record: EmulatorRequestRecord = {
      seq: ++seq,
      time: started,
      service: 'unknown',
      operation: 'Unknown',
      method: req.method ?? 'GET',
      path: rawPath,
      ...(typeof req.headers['user-agent'] === 'string' ? { userAgent: req.headers['user-agent'] } : {}),
    };
    requests.push(record);
    if (rawPath.startsWith('/_emulator/')) {
      record.operation = 'Control';
      await control(req, res, rawPath, body ?? Buffer.alloc(0));
      return;
    }
    const auth = parseAuthorization(req.headers.authorization);
    const service = auth && KNOWN_SERVICES.has(auth.service) ? (auth.service as ServiceName) : undefined;
    if (!auth || !service || body === undefined) {
      const status = body === undefined ? 413 : 403;
      const code =
        body === undefined
          ? 'RequestEntityTooLargeException'
          : auth
            ? 'UnknownServiceException'
            : 'MissingAuthenticationTokenException';
      const message =
        body === undefined
          ? 'Request body too large.'
          : auth
            ? `The emulator does not serve the service "${auth.service}".`
            : 'Missing Authentication Token: requests must be signed with SigV4.';
      record.status = status;
      record.errorCode = code;
      send(
        res,
        status,
        { 'content-type': 'application/json', 'x-amzn-errortype': code },
        JSON.stringify({ message }),
        requestId,
      );
      return;
    }
    const wire: WireRequest = {
      method: req.method ?? 'GET',
      rawPath,
      query: url.searchParams,
      headers: req.headers,
      body,
      service,
      region: auth.region,
      accessKeyId: auth.accessKeyId,
      requestId,
    };
    record.service = service;
    record.region = auth.region;
    record.accessKeyId = auth.accessKeyId;
    const assumed = state.assumedRoles.get(auth.accessKeyId);
    if (assumed) record.assumedRoleArn = assumed.roleArn;

    const answerError = (error: WireError) => {
      const rendered = renderError(service, error, requestId);
      record.status = rendered.status;
      record.errorCode = error.code;
      send(res, rendered.status, rendered.headers, rendered.body, requestId);
    };

    // A stalled request is never answered: the socket stays open and silent until the client
    // gives up (its socket closes) or the emulator closes (every socket is destroyed).
    const stallAnswer = () => {
      record.status = 0;
      return new Promise<void>((resolve) => {
        if (req.socket.destroyed) return resolve();
        req.socket.once('close', () => resolve());
      });
    };

    let decision = decideFault({}, seed, record.seq, service, 'Unknown');
    try {
      const { operation, functionName, qualifier, resource } = await identify(wire);
      if (qualifier) record.qualifier = qualifier;
      record.operation = operation;
      if (functionName) record.functionName = functionName;
      decision = decideFault(faults ?? {}, seed, record.seq, service, operation);

      if (options.verifySignatures) {
        const secret = options.verifySignatures[auth.accessKeyId] ?? assumed?.secretAccessKey;
        if (!secret) {
          await waitOut(decision.delayMs);
          return answerError(
            new WireError(
              403,
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
              {
                queryCode: 'InvalidClientTokenId',
              },
            ),
          );
        }
        record.signatureValid = await verifySignature(wire, auth, secret);
        if (!record.signatureValid) {
          await waitOut(decision.delayMs);
          return answerError(
            new WireError(
              403,
              'InvalidSignatureException',
              'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
              { queryCode: 'SignatureDoesNotMatch' },
            ),
          );
        }
      }

      const action =
        service === 'lambda'
          ? LAMBDA_IAM_ACTIONS[operation as keyof typeof LAMBDA_IAM_ACTIONS]
          : `${IAM_PREFIX[service]}:${operation}`;
      if (action && deny.has(action)) {
        await waitOut(decision.delayMs);
        return answerError(accessDenied(service, action, state.accountId, resource));
      }
      if (action && !ALWAYS_ALLOWED.has(action)) {
        const principal = principalOf(auth.accessKeyId);
        const doc = (principal.roleArn ? rolePolicies.get(principal.roleArn) : undefined) ?? policy;
        const decided = doc ? evaluatePolicy(doc, action, resource) : { allowed: true as const };
        if (!decided.allowed) {
          await waitOut(decision.delayMs);
          return answerError(
            accessDenied(
              service,
              action,
              state.accountId,
              resource,
              deniedMessage(principal.arn, action, resource, decided.explicit),
            ),
          );
        }
      }

      if (service === 'lambda' && quotaGate && !quotaGate.take(operation)) {
        await waitOut(decision.delayMs);
        return answerError(
          new WireError(429, 'TooManyRequestsException', 'Rate exceeded', {
            type: 'User',
            reason: 'CallerRateLimitExceeded',
            messageKey: 'message',
          }),
        );
      }

      const invoke = service === 'lambda' && operation === 'Invoke';
      const faultAfter =
        decision.fault !== undefined && decision.fault !== 'throttle' && invoke && decision.afterExecution;
      if (decision.fault && !faultAfter) {
        record.fault = decision.fault;
        if (invoke) record.faultAfterExecution = false;
        await waitOut(decision.delayMs);
        if (decision.fault === 'drop') {
          record.status = 0;
          req.socket.destroy();
          return;
        }
        if (decision.fault === 'stall') return stallAnswer();
        return answerError(faultError(service, decision.fault, faults?.retryAfterSeconds ?? 1));
      }

      let handled: Handled;
      try {
        handled = await dispatch(wire, operation);
      } catch (error) {
        await waitOut(decision.delayMs);
        if (!(error instanceof WireError)) {
          logger.debug('emulator: backend error', { service, operation, error });
        }
        return answerError(fromBackendError(service, error));
      }
      if (service === 'lambda' && operation === 'GetFunction' && handled.status === 200) {
        handled = withoutUnallowedTags(handled, auth.accessKeyId, resource);
      }
      if (handled.functionName) record.functionName = handled.functionName;
      await waitOut(decision.delayMs);
      if (faultAfter && decision.fault) {
        record.fault = decision.fault;
        record.faultAfterExecution = true;
        if (decision.fault === 'drop') {
          record.status = 0;
          req.socket.destroy();
          return;
        }
        if (decision.fault === 'stall') return stallAnswer();
        return answerError(faultError(service, decision.fault, faults?.retryAfterSeconds ?? 1));
      }
      record.status = handled.status;
      if (handled.errorCode) record.errorCode = handled.errorCode;
      send(res, handled.status, handled.headers ?? {}, handled.body, handled.requestId ?? requestId);
    } catch (error) {
      logger.error('emulator: request failed', { service, error });
      answerError(fromBackendError(service, error));
    } finally {
      record.durationMs = Date.now() - started;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('emulator: unhandled', { error });
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"message":"internal emulator error"}');
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  let closed = false;

  const emulator: Emulator = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    region: state.region,
    accountId,
    backend,
    requests,
    executions(functionName: string): number {
      if (isLocalBackend(backend)) return backend.executionCount(functionName);
      return state.executions.get(functionName) ?? 0;
    },
    setFaults(next: FaultOptions | undefined, nextSeed?: number) {
      faults = next;
      if (nextSeed !== undefined) seed = nextSeed;
    },
    setDeny(actions: string[]) {
      deny = new Set(actions);
    },
    setQuotas(next) {
      quotaGate = gateFor(next);
    },
    get quotaThrottles() {
      return { ...(quotaGate?.throttled ?? { getFunction: 0, controlPlane: 0 }) };
    },
    setPolicy(next, nextRoles) {
      policy = next === undefined ? undefined : parsePolicy(next);
      rolePolicies = new Map(
        Object.entries(nextRoles ?? {}).map(([arn, doc]) => [arn, parsePolicy(doc)] as const),
      );
    },
    addSchema,
    clearRequests() {
      requests.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      if (ownBackend) await backend.close();
    },
  };
  return emulator;
}
