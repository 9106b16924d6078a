import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Backend, type Config, LambdaMcpError, type Logger, type Services } from '@lambda-mcp/core';
import { createServicesForConfig } from '@lambda-mcp/core/from-config';
import type { InvocationHistory } from '@lambda-mcp/core/local';
import { createLambdaMcpServer, type LambdaMcpServer } from '@lambda-mcp/mcp-server';
import type { CatalogHealth } from './app.js';
import { createAuditLog } from './audit.js';
import { type Authenticator, createAuthenticator, resolveStaticTokens } from './auth/authenticator.js';
import {
  type AuthPolicy,
  AuthPolicySchema,
  loadAuthPolicyFile,
  OAuthSchema,
  type OAuthSettings,
  parseTokenList,
} from './auth/policy.js';
import { createLimiter, limitInvocations } from './concurrency.js';
import { isLoopbackHost } from './host-origin.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import type { HttpSettings } from './settings.js';

/** Counts and times every discovery run (first discovery and refreshes) from the service's own event. */
function instrumentDiscovery(services: Services, metrics: ServerMetrics): void {
  services.discovery.onRun?.((event) => {
    if (event.outcome === 'success') metrics.discoveryDuration.observe(event.durationMs / 1000);
    metrics.discoveries.inc({ outcome: event.outcome });
  });
}

export interface AuthSetup {
  authenticator: Authenticator;
  resource?: string;
}

/** Builds the authenticator from the policy file, the environment and the flags. */
export function createAuthSetup(
  settings: HttpSettings,
  env: Record<string, string | undefined>,
  logger: Logger,
  cwd: string = process.cwd(),
): AuthSetup {
  const policy: AuthPolicy = settings.authFile
    ? loadAuthPolicyFile(resolve(cwd, settings.authFile))
    : AuthPolicySchema.parse({});
  const plain = env.LAMBDA_MCP_AUTH_TOKENS
    ? parseTokenList(env.LAMBDA_MCP_AUTH_TOKENS, 'LAMBDA_MCP_AUTH_TOKENS')
    : [];
  if (settings.tokensFile) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, settings.tokensFile), 'utf8');
    } catch (error) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        `Cannot read the tokens file ${settings.tokensFile}: ${(error as Error).message}`,
      );
    }
    plain.push(...parseTokenList(text, 'tokens-file'));
  }
  let staticTokens: ReturnType<typeof resolveStaticTokens>;
  try {
    staticTokens = resolveStaticTokens(policy, plain, env as NodeJS.ProcessEnv);
  } catch (error) {
    throw new LambdaMcpError('INVALID_CONFIG', (error as Error).message);
  }

  let oauth: OAuthSettings | undefined = policy.oauth;
  if (settings.oauthIssuer || settings.oauthJwksUrl) {
    const merged = OAuthSchema.safeParse({
      ...(policy.oauth ?? {}),
      ...(settings.oauthIssuer ? { issuer: settings.oauthIssuer } : {}),
      ...(settings.oauthJwksUrl ? { jwksUrl: settings.oauthJwksUrl } : {}),
    });
    if (!merged.success) {
      throw new LambdaMcpError(
        'INVALID_CONFIG',
        'OAuth needs both an issuer and a JWKS URL: set --oauth-issuer and --oauth-jwks-url (LAMBDA_MCP_OAUTH_ISSUER, LAMBDA_MCP_OAUTH_JWKS_URL) or "oauth" in the auth file.',
      );
    }
    oauth = merged.data;
  }
  if (oauth) {
    oauth = {
      ...oauth,
      ...(settings.oauthAudience?.length ? { audience: settings.oauthAudience } : {}),
      ...(settings.oauthRequiredScopes.length ? { requiredScopes: settings.oauthRequiredScopes } : {}),
      ...(settings.oauthAuthorizationServers?.length
        ? { authorizationServers: settings.oauthAuthorizationServers }
        : {}),
    };
  }
  const resource = settings.publicUrl ?? policy.resource;
  if (oauth && !oauth.audience && !resource) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      'OAuth is configured but no audience is: set --public-url (the URL of /mcp, the token audience) or --oauth-audience, so tokens issued for other services are refused.',
    );
  }
  const authenticator = createAuthenticator({
    staticTokens,
    ...(oauth ? { oauth } : {}),
    ...(resource ? { resource } : {}),
    logger,
  });
  return { authenticator, ...(resource ? { resource } : {}) };
}

/** Refuses to run without authentication anywhere but loopback. */
export function assertAuthForBinding(host: string, authenticator: Authenticator): void {
  if (!authenticator.required && !isLoopbackHost(host)) {
    throw new LambdaMcpError(
      'INVALID_CONFIG',
      `Refusing to listen on ${host} without authentication: configure bearer tokens (LAMBDA_MCP_AUTH_TOKENS, --tokens-file or --auth-file) or OAuth (--oauth-issuer and --oauth-jwks-url), or bind to 127.0.0.1.`,
    );
  }
}

export interface Runtime {
  services: Services;
  lambda: LambdaMcpServer;
  metrics: ServerMetrics;
  health(): CatalogHealth;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  settings: HttpSettings;
  logger: Logger;
  version: string;
  /** Live session count for /metrics. */
  sessions?: () => number;
  inFlightRequests?: () => number;
  /** Services to use instead of creating them from the config (tests, embedders). */
  services?: Services;
  /** The local backend's shared history other than the file (the fleet's Redis history). */
  localHistoryStore?: (dir: string) => InvocationHistory | undefined;
  /**
   * Decorates the backend before the services are built on it (the fleet shares its catalog reads
   * through Redis). Applies to services created from the config, not to `services` given.
   */
  wrapBackend?: (backend: Backend) => Backend;
}

/**
 * services (with the global invocation limit and instrumentation) -> the MCP server factory.
 * Shared by the HTTP server and the Lambda Function URL handler.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, settings, logger } = options;
  const metrics = createServerMetrics({
    sessions: () => options.sessions?.() ?? 0,
    inFlightRequests: () => options.inFlightRequests?.() ?? 0,
  });
  const base =
    options.services ??
    (await createServicesForConfig(config, {
      logger,
      ...(options.localHistoryStore ? { localHistoryStore: options.localHistoryStore } : {}),
      ...(options.wrapBackend ? { wrapBackend: options.wrapBackend } : {}),
    }));
  instrumentDiscovery(base, metrics);
  const limiter = createLimiter(settings.maxConcurrentInvocations, settings.maxQueuedInvocations);
  const services: Services = {
    ...base,
    invocation: limitInvocations(base.invocation, limiter, {
      onInvocation: ({ outcome, durationMs }) => {
        metrics.invocations.inc({ outcome });
        metrics.invocationDuration.observe(durationMs / 1000);
      },
      onActiveChange: (active) => metrics.invocationsInFlight.set(active),
    }),
    close: () => base.close(),
  };
  const lambda = createLambdaMcpServer(services, { logger, version: options.version });
  return {
    services,
    lambda,
    metrics,
    health() {
      const status = lambda.catalog.status();
      return {
        ready: status.ready,
        backend: services.backend.kind,
        functions: status.functionCount,
        ...(status.discoveryError ? { discoveryError: status.discoveryError } : {}),
        ...(services.discovery.status ? { discovery: services.discovery.status() } : {}),
      };
    },
    async close() {
      await lambda.close();
      await services.close();
    },
  };
}

export { createAuditLog };
