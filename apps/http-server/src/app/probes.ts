/** The probes: /health (liveness), /ready (readiness, with why not) and /metrics (Prometheus). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../json-rpc.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics.js';
import type { AppContext } from './context.js';

export function createProbes(ctx: AppContext) {
  const { options, metrics, sessions, fleet, state } = ctx;

  const health = (res: ServerResponse) => {
    const h = options.health();
    sendJson(res, 200, {
      status: state.closing ? 'shutting_down' : 'ok',
      version: options.version,
      backend: h.backend,
      functions: h.functions,
      mode: options.modeLabel ?? options.mode,
      sessions: sessions.size,
    });
  };

  const ready = (res: ServerResponse) => {
    const h = options.health();
    // Not ready while no catalog can be served because discovery keeps failing (a stalled or
    // refusing AWS endpoint): the reason names the failure and when it is retried.
    const d = h.discovery;
    const failingWithoutCatalog = d?.state === 'failing' && d.catalogSource === undefined;
    const isReady = h.ready && !state.closing && !failingWithoutCatalog;
    const reason = state.closing
      ? 'shutting down'
      : failingWithoutCatalog && d?.lastError
        ? `function discovery is failing (${d.lastError.code}: ${d.lastError.message})${
            d.nextRetryAt ? `; next try at ${d.nextRetryAt}` : ''
          }`
        : h.ready
          ? undefined
          : 'first discovery not finished';
    sendJson(res, isReady ? 200 : 503, {
      ready: isReady,
      ...(reason ? { reason } : {}),
      functions: h.functions,
      ...(h.discoveryError ? { discoveryError: h.discoveryError } : {}),
      ...(d ? { discovery: d } : {}),
      ...(fleet ? { fleet: fleet.readiness() } : {}),
    });
  };

  const prometheus = async (res: ServerResponse) => {
    metrics.catalogFunctions.set(options.health().functions);
    const body = await metrics.registry.render();
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/health') health(res);
    else if (path === '/ready') ready(res);
    else await prometheus(res);
  };
}
