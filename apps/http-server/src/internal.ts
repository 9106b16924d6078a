/**
 * @lambda-mcp/http-server/internal: the building blocks of the server (the HTTP app, the runtime,
 * authentication, limits, metrics, sessions), for this repository's tests and for embedders who
 * accept that these change in any release, minor and patch included. Not covered by semver: use the
 * package root (`startHttpServer`, the settings table) or `./lambda` unless you must reach inside.
 */
export type { CatalogHealth, HttpApp, HttpAppOptions, ServerMode } from './app.js';
export { createHttpApp } from './app.js';
export type { HttpArgs, LogFormat } from './args.js';
export { helpText, parseHttpArgs } from './args.js';
export type { AuditLog, AuditRecord } from './audit.js';
export { createAuditLog } from './audit.js';
export type {
  Authenticator,
  AuthenticatorOptions,
  AuthFailure,
  AuthResult,
  StaticToken,
} from './auth/authenticator.js';
export {
  ANONYMOUS,
  createAuthenticator,
  resolveStaticTokens,
  sha256,
  wwwAuthenticate,
} from './auth/authenticator.js';
export type { FunctionMatcher } from './auth/patterns.js';
export { createFunctionMatcher } from './auth/patterns.js';
export type { AuthPolicy, AuthPolicyInput, OAuthSettings, TokenEntry } from './auth/policy.js';
export { AuthPolicySchema, loadAuthPolicyFile, parseAuthPolicy, parseTokenList } from './auth/policy.js';
export type { Principal } from './auth/principal.js';
export type { InvocationObserver, Limiter } from './concurrency.js';
export { createLimiter, limitInvocations } from './concurrency.js';
export type { HostOriginGuard, HostOriginOptions } from './host-origin.js';
export { createHostOriginGuard, isLoopbackHost, LOOPBACK_HOSTNAMES } from './host-origin.js';
export type { HttpServerHandle, HttpServerOptions } from './main.js';
export { EXIT_FAILURE, EXIT_FORCED, EXIT_OK, EXIT_USAGE, startHttpServer } from './main.js';
export type { Counter, Gauge, Histogram, Labels, MetricsRegistry, ServerMetrics } from './metrics.js';
export { createMetricsRegistry, createServerMetrics, PROMETHEUS_CONTENT_TYPE } from './metrics.js';
export type { RateLimiter, RateLimitOptions } from './rate-limit.js';
export { createRateLimiter } from './rate-limit.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { CloseReason, Session, SessionStore } from './sessions.js';
export { createSessionStore } from './sessions.js';
export type { HttpSetting, HttpSettings } from './settings.js';
export { HTTP_SETTINGS, loadHttpSettings } from './settings.js';
export { VERSION } from './version.js';
