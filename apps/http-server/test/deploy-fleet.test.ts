/**
 * The scale-out deploy files: N replicas with a PodDisruptionBudget and an autoscaler selecting
 * them, the session secret and Redis URL from the Secret, the trial Redis, and the nginx
 * configuration (round-robin, no affinity, never resending a POST, SSE unbuffered).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './helpers.js';

const DEPLOY = join(REPO_ROOT, 'deploy');
const read = (p: string) => readFileSync(join(DEPLOY, p), 'utf8');
type Doc = Record<string, any>;
function docs(p: string): Doc[] {
  const parsed = parseAllDocuments(read(p));
  for (const d of parsed) expect(d.errors, p).toEqual([]);
  return parsed.map((d) => d.toJS() as Doc).filter(Boolean);
}

describe('deploy/kubernetes for N replicas', () => {
  const deployment = docs('kubernetes/deployment.yaml').find((d) => d.kind === 'Deployment') as Doc;
  const labels = deployment.spec.template.metadata.labels;
  const container = deployment.spec.template.spec.containers[0];
  const env = new Map<string, Doc>(container.env.map((e: Doc) => [e.name, e]));

  it('runs several stateful replicas with the shared session secret and Redis from the Secret', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(3);
    expect(container.args).not.toContain('--stateless');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const secret = docs('kubernetes/secret.example.yaml')[0] as Doc;
    for (const name of ['LAMBDA_MCP_SESSION_SECRET', 'LAMBDA_MCP_REDIS_URL']) {
      const ref = env.get(name)?.valueFrom?.secretKeyRef;
      expect(ref?.name, name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
    expect(String(secret.stringData['session-secret']).length).toBeGreaterThanOrEqual(32);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
  });

  it('has a PodDisruptionBudget and a HorizontalPodAutoscaler for the same pods', () => {
    const pdb = docs('kubernetes/pdb.yaml')[0] as Doc;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.kind).toBe('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.maxUnavailable ?? deployment.spec.replicas - pdb.spec.minAvailable).toBeLessThan(
      deployment.spec.replicas,
    );
    const hpa = docs('kubernetes/hpa.yaml')[0] as Doc;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('has a Redis Service the default Redis URL points at', () => {
    const all = docs('kubernetes/redis.yaml');
    const service = all.find((d) => d.kind === 'Service') as Doc;
    const secret = docs('kubernetes/secret.example.yaml')[0] as Doc;
    const url = new URL(secret.stringData['redis-url']);
    expect(url.hostname).toBe(service.metadata.name);
    expect(Number(url.port)).toBe(service.spec.ports[0].port);
  });
});

describe('deploy/nginx/lambda-mcp.conf', () => {
  const conf = read('nginx/lambda-mcp.conf');
  const live = conf
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .join('\n');

  it('balances round-robin without affinity and never resends a request that reached a replica', () => {
    expect(live).toMatch(/upstream lambda_mcp \{/);
    expect(live).not.toMatch(/\b(ip_hash|hash |sticky)\b/);
    expect(live).toMatch(/proxy_next_upstream error timeout;/);
    expect(live).not.toMatch(/non_idempotent/);
  });

  it('streams SSE unbuffered with long reads and says a lost call may have run', () => {
    expect(live).toMatch(/proxy_buffering off;/);
    expect(live).toMatch(/proxy_read_timeout 1h;/);
    expect(live).toMatch(/proxy_http_version 1\.1;/);
    expect(live).toMatch(/may have run/);
  });
});
