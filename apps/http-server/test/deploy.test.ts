import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MEMORY_ENV } from '../src/heap.js';
import { HTTP_SETTINGS } from '../src/settings.js';
import { REPO_ROOT } from './helpers.js';

const DEPLOY = join(REPO_ROOT, 'deploy');
const read = (p: string) => readFileSync(join(DEPLOY, p), 'utf8');

function yamlDocs(p: string): Array<Record<string, any>> {
  const docs = parseAllDocuments(read(p));
  for (const d of docs) expect(d.errors, `${p}: ${d.errors.map((e) => e.message).join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS() as Record<string, any>);
}

/** Environment variables the server reads: core's settings table plus the HTTP app's. */
async function knownEnv(): Promise<Set<string>> {
  const { CONFIG_SETTINGS } = await import('@lambda-mcp/core');
  return new Set([
    ...CONFIG_SETTINGS.flatMap((s) => [s.env, ...(s.envAliases ?? [])]),
    ...HTTP_SETTINGS.map((s) => s.env),
    'LAMBDA_MCP_AUTH_TOKENS',
    'LAMBDA_MCP_FUNCTION_URL_AUTH',
    'NODE_ENV',
    ...MEMORY_ENV,
  ]);
}

describe('deploy/Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('is multi-stage, runs as a non-root user, and checks /health', () => {
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.map((l) => /\bAS\s+(\S+)/i.exec(l)?.[1])).toEqual(['build', 'runtime']);
    const runtimeStart = lines.findIndex((l) => /^FROM .* AS runtime/i.test(l));
    const runtime = lines.slice(runtimeStart);
    const user = runtime.find((l) => /^USER\s/i.test(l));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(\s|:|$)/i);
    const health = runtime.join('\n');
    expect(health).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(runtime.some((l) => /^COPY --from=build /.test(l))).toBe(true);
    expect(runtime.find((l) => l.startsWith('ENTRYPOINT'))).toContain('/app/dist/cli.js');
  });

  it('refers to files and versions that exist in the repository', () => {
    const rootPkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      packageManager: string;
    };
    expect(text).toContain(rootPkg.packageManager.replace('pnpm@', 'pnpm@'));
    expect(existsSync(join(REPO_ROOT, 'pnpm-lock.yaml'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'examples/functions'))).toBe(true);
    const app = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/http-server/package.json'), 'utf8')) as {
      name: string;
      bin: Record<string, string>;
    };
    expect(text).toContain(app.name);
    expect(app.bin['lambda-mcp-http']).toBe('./dist/cli.js');
  });
});

describe('deploy/kubernetes', () => {
  it('has a Deployment probing /health and /ready on its container port, and a Service targeting it', async () => {
    const docs = [...yamlDocs('kubernetes/deployment.yaml'), ...yamlDocs('kubernetes/service.yaml')];
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const service = docs.find((d) => d.kind === 'Service');
    expect(deployment?.apiVersion).toBe('apps/v1');
    expect(service?.apiVersion).toBe('v1');
    const pod = deployment?.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment?.spec.selector.matchLabels).toEqual(deployment?.spec.template.metadata.labels);
    expect(service?.spec.selector).toEqual(deployment?.spec.template.metadata.labels);
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(port.containerPort).toBe(3000);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(service?.spec.ports[0].targetPort).toBe('http');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(30);
    const env = container.env.map((e: { name: string }) => e.name) as string[];
    const known = await knownEnv();
    for (const name of env) expect(known, `unknown env ${name}`).toContain(name);
    // Several replicas behind a plain Service: stateless, or stateful with sealed sessions and Redis.
    if (!container.args.includes('--stateless')) {
      expect(env).toEqual(expect.arrayContaining(['LAMBDA_MCP_SESSION_SECRET', 'LAMBDA_MCP_REDIS_URL']));
    }
    for (const d of yamlDocs('kubernetes/secret.example.yaml')) expect(d.kind).toBe('Secret');
  });
});

describe('deploy/ecs/task-definition.json', () => {
  it('is valid JSON with a health check on /health, the port, and known settings', async () => {
    const task = JSON.parse(read('ecs/task-definition.json')) as Record<string, any>;
    expect(task.requiresCompatibilities).toEqual(['FARGATE']);
    const c = task.containerDefinitions[0];
    expect(c.portMappings[0].containerPort).toBe(3000);
    expect(c.healthCheck.command.join(' ')).toMatch(/127\.0\.0\.1:3000\/health/);
    expect(c.stopTimeout).toBeGreaterThan(30);
    expect(c.user).not.toBe('0');
    const known = await knownEnv();
    for (const e of [...c.environment, ...c.secrets])
      expect(known, `unknown env ${e.name}`).toContain(e.name);
  });

  it('ships an IAM policy that parses and covers every operation the server uses', () => {
    const policy = JSON.parse(read('iam-policy.json')) as { Statement: Array<{ Action: string[] }> };
    const actions = policy.Statement.flatMap((s) => s.Action);
    for (const a of [
      'lambda:ListFunctions',
      'lambda:GetFunction',
      'lambda:InvokeFunction',
      'tag:GetResources',
      'schemas:DescribeSchema',
      'cloudwatch:GetMetricData',
      'logs:FilterLogEvents',
    ]) {
      expect(actions).toContain(a);
    }
  });
});

describe('deploy/lambda', () => {
  it('has a SAM template with a Function URL and the handler this package builds', () => {
    const [tpl] = yamlDocs('lambda/template.yaml');
    const fn = tpl?.Resources.McpServer.Properties;
    expect(fn.Handler).toBe('dist/lambda.handler');
    expect(fn.FunctionUrlConfig).toMatchObject({ AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    expect(fn.Runtime).toMatch(/^nodejs2\d\.x$/);
    const app = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/http-server/package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(app.exports['./lambda']).toBeDefined();
    expect(read('lambda/README.md')).toMatch(/dist\/lambda\.handler/);
  });
});

describe('apps/http-server/README.md', () => {
  it('documents every setting of the app, and the deploy files it points to exist', () => {
    const readme = readFileSync(join(REPO_ROOT, 'apps/http-server/README.md'), 'utf8');
    for (const s of HTTP_SETTINGS) {
      expect(readme, s.flag).toMatch(new RegExp(`\\|\\s*\`${s.flag}\`\\s*\\|\\s*\`${s.env}\`\\s*\\|`));
    }
    for (const f of [
      'deploy/Dockerfile',
      'deploy/kubernetes/deployment.yaml',
      'deploy/kubernetes/service.yaml',
      'deploy/ecs/task-definition.json',
      'deploy/iam-policy.json',
      'deploy/lambda/README.md',
      'tools/conformance/expected-failures.yml',
    ]) {
      expect(readme).toContain(f.replace(/^deploy\/lambda\/README\.md$/, 'deploy/lambda/'));
      expect(existsSync(join(REPO_ROOT, f)), f).toBe(true);
    }
  });
});
