import {
  chmodSync,
  chownSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, loadConfigDetailed } from '../../src/config/load-config.js';
import { isErrorCode, type LambdaMcpError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lambda-mcp-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
function writeConfig(content: unknown): string {
  const sub = join(dir, `case-${fileCounter++}`);
  const path = join(sub, 'lambda-mcp.config.json');
  mkdirSync(sub, { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function failure(run: () => unknown): LambdaMcpError {
  try {
    run();
  } catch (error) {
    expect(isErrorCode(error, 'INVALID_CONFIG')).toBe(true);
    const err = error as LambdaMcpError;
    // One clear line: no zod dump, no stack.
    expect(err.message).not.toMatch(/ZodError|"code":|\n\s+at /);
    expect(err.message.split('\n')).toHaveLength(1);
    return err;
  }
  throw new Error('expected INVALID_CONFIG');
}

const EMPTY = dir; // a cwd without a config file

describe('loadConfig: defaults and the Python server’s environment names', () => {
  it('applies defaults and never forces a profile or region', () => {
    const config = loadConfig({ env: {}, cwd: EMPTY });
    expect(config).toMatchObject({
      backend: 'aws',
      port: 3000,
      logLevel: 'info',
      functionPrefixes: [],
      functionList: [],
      tagFilters: [],
      cacheTtlSeconds: 300,
      diskCache: true,
      toolFamilies: 'both',
      maxFunctionTools: 100,
      logPayloads: false,
    });
    expect(config.profile).toBeUndefined();
    expect(config.region).toBeUndefined();
  });

  it('reads every environment variable users of the official server have', () => {
    const config = loadConfig({
      cwd: EMPTY,
      env: {
        AWS_REGION: 'eu-west-1',
        AWS_PROFILE: 'dev',
        FUNCTION_PREFIX: 'team-a-, team-b-',
        FUNCTION_LIST:
          'echo, arn:aws:lambda:eu-west-1:123456789012:function:calc, 123456789012:function:x:prod, y:live',
        FUNCTION_TAG_KEY: 'MCPEnabled',
        FUNCTION_TAG_VALUE: 'true',
        FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY: 'schema-arn',
        MCP_SERVER_PORT: '8080',
        LOG_LEVEL: 'DEBUG',
      },
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.profile).toBe('dev');
    expect(config.functionPrefixes).toEqual(['team-a-', 'team-b-']);
    expect(config.functionList).toEqual([
      'echo',
      'arn:aws:lambda:eu-west-1:123456789012:function:calc',
      '123456789012:function:x:prod',
      'y:live',
    ]);
    expect(config.tagFilters).toEqual([{ key: 'MCPEnabled', values: ['true'] }]);
    expect(config.inputSchemaArnTagKey).toBe('schema-arn');
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
  });

  it('reads AWS_DEFAULT_REGION when AWS_REGION is unset, and AWS_REGION first', () => {
    expect(loadConfig({ cwd: EMPTY, env: { AWS_DEFAULT_REGION: 'ap-south-1' } }).region).toBe('ap-south-1');
    expect(
      loadConfig({ cwd: EMPTY, env: { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'us-west-2' } }).region,
    ).toBe('us-west-2');
  });

  it('accepts LOG_LEVEL in any case and WARNING as warn', () => {
    expect(loadConfig({ cwd: EMPTY, env: { LOG_LEVEL: 'WARNING' } }).logLevel).toBe('warn');
    expect(loadConfig({ cwd: EMPTY, env: { LOG_LEVEL: 'Warn' } }).logLevel).toBe('warn');
    expect(loadConfig({ cwd: EMPTY, env: { LOG_LEVEL: 'critical' } }).logLevel).toBe('error');
    expect(loadConfig({ cwd: EMPTY, env: { LOG_LEVEL: 'info' } }).logLevel).toBe('info');
  });

  it('a tag key alone matches any value; LAMBDA_MCP_TAG_FILTERS adds more filters', () => {
    const config = loadConfig({
      cwd: EMPTY,
      env: { FUNCTION_TAG_KEY: 'MCPEnabled', LAMBDA_MCP_TAG_FILTERS: 'team=a|b, env = prod ,owner' },
    });
    expect(config.tagFilters).toEqual([
      { key: 'MCPEnabled' },
      { key: 'team', values: ['a', 'b'] },
      { key: 'env', values: ['prod'] },
      { key: 'owner' },
    ]);
  });

  it('reads the LAMBDA_MCP_ settings', () => {
    const config = loadConfig({
      cwd: EMPTY,
      env: {
        LAMBDA_MCP_RUNTIMES: 'nodejs20.x,python3.13',
        LAMBDA_MCP_EXCLUDE: 'internal-*,debug?',
        LAMBDA_MCP_OUTPUT_SCHEMA_ARN_TAG_KEY: 'out-arn',
        LAMBDA_MCP_BACKEND: 'LOCAL',
        LAMBDA_MCP_LOCAL_DIR: 'functions',
        LAMBDA_MCP_CACHE_TTL: '5m',
        LAMBDA_MCP_REFRESH_INTERVAL: '30',
        LAMBDA_MCP_DISK_CACHE: 'off',
        LAMBDA_MCP_CACHE_DIR: '/tmp/lm-cache',
        LAMBDA_MCP_TOOLS: 'generic',
        LAMBDA_MCP_MAX_TOOLS: '20',
        LAMBDA_MCP_MAX_RESULT_BYTES: '2048',
        LAMBDA_MCP_INVOKE_CONCURRENCY: '4',
        LAMBDA_MCP_ROLE_ARN: 'arn:aws:iam::123456789012:role/mcp-invoker',
        LAMBDA_MCP_ROLE_EXTERNAL_ID: 'ext-123',
        LAMBDA_MCP_ROLE_SESSION_NAME: 'mcp-session',
        LAMBDA_MCP_HOST: '0.0.0.0',
        LAMBDA_MCP_LOG_PAYLOADS: 'yes',
        LAMBDA_MCP_PROGRESS_INTERVAL_MS: '500',
        LAMBDA_MCP_ANNOTATIONS: '{"echo":{"readOnly":true}}',
      },
    });
    expect(config).toMatchObject({
      runtimes: ['nodejs20.x', 'python3.13'],
      exclude: ['internal-*', 'debug?'],
      outputSchemaArnTagKey: 'out-arn',
      backend: 'local',
      localDir: join(EMPTY, 'functions'),
      cacheTtlSeconds: 300,
      refreshIntervalSeconds: 30,
      diskCache: false,
      cacheDir: '/tmp/lm-cache',
      toolFamilies: 'generic',
      maxFunctionTools: 20,
      maxResultBytes: 2048,
      invokeConcurrency: 4,
      roleArn: 'arn:aws:iam::123456789012:role/mcp-invoker',
      roleExternalId: 'ext-123',
      roleSessionName: 'mcp-session',
      host: '0.0.0.0',
      logPayloads: true,
      progressIntervalMs: 500,
      annotations: { echo: { readOnly: true } },
    });
  });

  it('treats empty environment values as unset', () => {
    expect(loadConfig({ cwd: EMPTY, env: { MCP_SERVER_PORT: '', FUNCTION_PREFIX: ' ' } })).toMatchObject({
      port: 3000,
      functionPrefixes: [],
    });
  });

  it('a local directory implies the local backend unless one is named', () => {
    expect(loadConfig({ cwd: EMPTY, env: {}, flags: { local: 'fns' } })).toMatchObject({
      backend: 'local',
      localDir: join(EMPTY, 'fns'),
    });
    expect(
      loadConfig({ cwd: EMPTY, env: { LAMBDA_MCP_BACKEND: 'aws' }, flags: { local: '/abs' } }).backend,
    ).toBe('aws');
  });
});

describe('loadConfig: a configuration file found in the working directory is read only if it is trusted', () => {
  // The working directory may be shared (/tmp): a file planted there could widen the filters, name
  // a role to assume or a folder of local functions to run (with the server's user and keys).
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const planted = { functionPrefixes: ['everything-'] };

  it('writable by anyone: refused with a message that says why and what to do', () => {
    const path = writeConfig(planted);
    chmodSync(path, 0o666);
    const err = failure(() => loadConfig({ env: {}, cwd: dirname(path) }));
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/anyone can change it/);
    expect(err.message).toMatch(/--config/);
  });
  it.skipIf(!asRoot)("another user's file: refused (run as root: the file is given to uid 65534)", () => {
    const path = writeConfig(planted);
    chownSync(path, 65534, 65534);
    const err = failure(() => loadConfig({ env: {}, cwd: dirname(path) }));
    expect(err.message).toMatch(/owned by another user/);
  });
  it.skipIf(!asRoot)("a link owned by another user, even to this user's own file: refused", () => {
    const target = writeConfig({ functionPrefixes: ['mine-'] });
    const sub = join(dir, `case-${fileCounter++}`);
    mkdirSync(sub, { recursive: true });
    const link = join(sub, 'lambda-mcp.config.json');
    symlinkSync(target, link);
    // The link itself belongs to someone else.
    lchownSync(link, 65534, 65534);
    const err = failure(() => loadConfig({ env: {}, cwd: sub }));
    expect(err.message).toMatch(/owned by another user/);
  });
  it.skipIf(!asRoot)("this user's link to another user's file: refused", () => {
    const target = writeConfig(planted);
    chownSync(target, 65534, 65534);
    const sub = join(dir, `case-${fileCounter++}`);
    mkdirSync(sub, { recursive: true });
    symlinkSync(target, join(sub, 'lambda-mcp.config.json'));
    const err = failure(() => loadConfig({ env: {}, cwd: sub }));
    expect(err.message).toMatch(/owned by another user/);
  });
  it('the same file named with --config or LAMBDA_MCP_CONFIG is read: the operator chose it', () => {
    const path = writeConfig({ functionPrefixes: ['named-'] });
    chmodSync(path, 0o666);
    expect(loadConfig({ env: {}, cwd: EMPTY, flags: { config: path } }).functionPrefixes).toEqual(['named-']);
    expect(loadConfig({ env: { LAMBDA_MCP_CONFIG: path }, cwd: EMPTY }).functionPrefixes).toEqual(['named-']);
  });
  it("this user's file, writable by its group too (umask 002), is read", () => {
    const path = writeConfig({ functionPrefixes: ['team-'] });
    chmodSync(path, 0o664);
    expect(loadConfig({ env: {}, cwd: dirname(path) }).functionPrefixes).toEqual(['team-']);
  });
});

describe('loadConfig: precedence flags > environment > file', () => {
  it('takes each setting from the highest source that has it', () => {
    const file = writeConfig({
      port: 1111,
      functionPrefixes: ['from-file-'],
      logLevel: 'error',
      maxFunctionTools: 7,
    });
    const loaded = loadConfigDetailed({
      cwd: EMPTY,
      configFile: file,
      env: { MCP_SERVER_PORT: '2222', LOG_LEVEL: 'warn' },
      flags: { port: '3333' },
    });
    expect(loaded.config.port).toBe(3333);
    expect(loaded.config.logLevel).toBe('warn');
    expect(loaded.config.functionPrefixes).toEqual(['from-file-']);
    expect(loaded.config.maxFunctionTools).toBe(7);
    expect(loaded.sources).toMatchObject({ port: '--port', logLevel: 'LOG_LEVEL' });
    expect(loaded.sources.maxFunctionTools).toContain('"maxFunctionTools" in');
    expect(loaded.file).toBe(file);
  });

  it('finds lambda-mcp.config.json in the working directory, and LAMBDA_MCP_CONFIG / --config elsewhere', () => {
    const file = writeConfig({ region: 'eu-central-1' });
    const cwd = join(file, '..');
    expect(loadConfig({ cwd, env: {} }).region).toBe('eu-central-1');
    expect(loadConfig({ cwd: EMPTY, env: { LAMBDA_MCP_CONFIG: file } }).region).toBe('eu-central-1');
    expect(loadConfig({ cwd: EMPTY, env: {}, flags: { config: file } }).region).toBe('eu-central-1');
  });

  it('resolves relative paths in the file against the file’s folder', () => {
    const file = writeConfig({ localDir: './functions', cacheDir: 'cache' });
    const config = loadConfig({ cwd: EMPTY, env: {}, configFile: file });
    expect(config.localDir).toBe(join(file, '..', 'functions'));
    expect(config.cacheDir).toBe(join(file, '..', 'cache'));
    expect(config.backend).toBe('local');
  });

  it('accepts flags by flag name or by key, typed or as strings, repeated, and --no-<flag>', () => {
    const config = loadConfig({
      cwd: EMPTY,
      env: { LAMBDA_MCP_DISK_CACHE: 'true' },
      flags: {
        'function-prefix': ['a-', 'b-,c-'],
        maxFunctionTools: 5,
        'tag-filter': ['team=x', 'MCPEnabled'],
        'no-disk-cache': true,
        'log-payloads': true,
        'unrelated-app-flag': 'ignored',
      },
    });
    expect(config.functionPrefixes).toEqual(['a-', 'b-', 'c-']);
    expect(config.maxFunctionTools).toBe(5);
    expect(config.tagFilters).toEqual([{ key: 'team', values: ['x'] }, { key: 'MCPEnabled' }]);
    expect(config.diskCache).toBe(false);
    expect(config.logPayloads).toBe(true);
  });

  it('takes tag filters from a file as objects or strings', () => {
    const file = writeConfig({ tagFilters: [{ key: 'team', values: ['a'] }, 'env=prod'] });
    expect(loadConfig({ cwd: EMPTY, env: {}, configFile: file }).tagFilters).toEqual([
      { key: 'team', values: ['a'] },
      { key: 'env', values: ['prod'] },
    ]);
  });
});

describe('loadConfig: one clear message per bad value', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'AWS_REGION',
      { AWS_REGION: 'US East 1' },
      /AWS_REGION "US East 1": expected an AWS region such as us-east-1/,
    ],
    [
      'AWS_DEFAULT_REGION',
      { AWS_DEFAULT_REGION: 'mars' },
      /AWS_DEFAULT_REGION "mars": expected an AWS region/,
    ],
    ['AWS_PROFILE', { AWS_PROFILE: 'my profile' }, /AWS_PROFILE "my profile": expected a profile name/],
    [
      'FUNCTION_PREFIX',
      { FUNCTION_PREFIX: 'ok-,bad prefix' },
      /FUNCTION_PREFIX "ok-,bad prefix" \(entry "bad prefix"\): expected comma-separated name prefixes/,
    ],
    [
      'FUNCTION_LIST',
      { FUNCTION_LIST: 'echo,arn:aws:s3:::bucket' },
      /FUNCTION_LIST .*\(entry "arn:aws:s3:::bucket"\): expected comma-separated function names/,
    ],
    [
      'FUNCTION_LIST (long name)',
      { FUNCTION_LIST: 'a'.repeat(65) },
      /FUNCTION_LIST .*expected comma-separated function names/,
    ],
    [
      'FUNCTION_TAG_VALUE without FUNCTION_TAG_KEY',
      { FUNCTION_TAG_VALUE: 'true' },
      /FUNCTION_TAG_VALUE "true": it needs FUNCTION_TAG_KEY/,
    ],
    [
      'FUNCTION_TAG_KEY',
      { FUNCTION_TAG_KEY: 'k'.repeat(129) },
      /FUNCTION_TAG_KEY "k+\.\.\.": expected a tag key \(1-128 characters\)/,
    ],
    [
      'FUNCTION_TAG_VALUE too long',
      { FUNCTION_TAG_KEY: 'k', FUNCTION_TAG_VALUE: 'v'.repeat(257) },
      /FUNCTION_TAG_VALUE "v+\.\.\.": expected a tag value of at most 256/,
    ],
    [
      'LAMBDA_MCP_TAG_FILTERS',
      { LAMBDA_MCP_TAG_FILTERS: 'team=a,=b' },
      /LAMBDA_MCP_TAG_FILTERS "team=a,=b" \(entry "=b"\): expected comma-separated key=value1\|value2/,
    ],
    [
      'FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY',
      { FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY: 'x'.repeat(200) },
      /FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY "x+\.\.\.": expected a tag key/,
    ],
    [
      'LAMBDA_MCP_OUTPUT_SCHEMA_ARN_TAG_KEY',
      { LAMBDA_MCP_OUTPUT_SCHEMA_ARN_TAG_KEY: 'y'.repeat(129) },
      /LAMBDA_MCP_OUTPUT_SCHEMA_ARN_TAG_KEY .*expected a tag key/,
    ],
    [
      'MCP_SERVER_PORT (not a number)',
      { MCP_SERVER_PORT: 'abc' },
      /MCP_SERVER_PORT "abc": expected an integer from 0 to 65535/,
    ],
    [
      'MCP_SERVER_PORT (out of range)',
      { MCP_SERVER_PORT: '70000' },
      /MCP_SERVER_PORT "70000": expected an integer from 0 to 65535/,
    ],
    ['MCP_SERVER_PORT (fraction)', { MCP_SERVER_PORT: '80.5' }, /MCP_SERVER_PORT "80.5"/],
    [
      'LOG_LEVEL',
      { LOG_LEVEL: 'verbose' },
      /LOG_LEVEL "verbose": expected debug, info, warn \(or warning\), error, silent/,
    ],
    [
      'LAMBDA_MCP_RUNTIMES',
      { LAMBDA_MCP_RUNTIMES: 'Node JS' },
      /LAMBDA_MCP_RUNTIMES "Node JS" \(entry "Node JS"\): expected comma-separated runtime identifiers/,
    ],
    [
      'LAMBDA_MCP_EXCLUDE',
      { LAMBDA_MCP_EXCLUDE: 'a/b' },
      /LAMBDA_MCP_EXCLUDE "a\/b" \(entry "a\/b"\): expected comma-separated function patterns: name, name:qualifier, <account>:function:name or a full ARN/,
    ],
    ['LAMBDA_MCP_BACKEND', { LAMBDA_MCP_BACKEND: 'gcp' }, /LAMBDA_MCP_BACKEND "gcp": expected aws or local/],
    [
      'LAMBDA_MCP_CACHE_TTL (word)',
      { LAMBDA_MCP_CACHE_TTL: 'soon' },
      /LAMBDA_MCP_CACHE_TTL "soon": expected seconds \(e\.g\. 300\) or a duration/,
    ],
    ['LAMBDA_MCP_CACHE_TTL (negative)', { LAMBDA_MCP_CACHE_TTL: '-5' }, /LAMBDA_MCP_CACHE_TTL "-5"/],
    [
      'LAMBDA_MCP_REFRESH_INTERVAL',
      { LAMBDA_MCP_REFRESH_INTERVAL: '1x' },
      /LAMBDA_MCP_REFRESH_INTERVAL "1x": expected seconds/,
    ],
    [
      'LAMBDA_MCP_DISK_CACHE',
      { LAMBDA_MCP_DISK_CACHE: 'maybe' },
      /LAMBDA_MCP_DISK_CACHE "maybe": expected true or false/,
    ],
    [
      'LAMBDA_MCP_TOOLS',
      { LAMBDA_MCP_TOOLS: 'all' },
      /LAMBDA_MCP_TOOLS "all": expected both, per-function or generic/,
    ],
    [
      'LAMBDA_MCP_MAX_TOOLS',
      { LAMBDA_MCP_MAX_TOOLS: '10001' },
      /LAMBDA_MCP_MAX_TOOLS "10001": expected an integer from 0 to 10000/,
    ],
    [
      'LAMBDA_MCP_MAX_RESULT_BYTES',
      { LAMBDA_MCP_MAX_RESULT_BYTES: '100' },
      /LAMBDA_MCP_MAX_RESULT_BYTES "100": expected an integer of at least 1024/,
    ],
    [
      'LAMBDA_MCP_INVOKE_CONCURRENCY',
      { LAMBDA_MCP_INVOKE_CONCURRENCY: '0' },
      /LAMBDA_MCP_INVOKE_CONCURRENCY "0": expected an integer from 1 to 100/,
    ],
    [
      'LAMBDA_MCP_PROGRESS_INTERVAL_MS',
      { LAMBDA_MCP_PROGRESS_INTERVAL_MS: '10' },
      /LAMBDA_MCP_PROGRESS_INTERVAL_MS "10": expected an integer of at least 100/,
    ],
    [
      'LAMBDA_MCP_ROLE_ARN',
      { LAMBDA_MCP_ROLE_ARN: 'role/x' },
      /LAMBDA_MCP_ROLE_ARN "role\/x": expected an IAM role ARN/,
    ],
    [
      'LAMBDA_MCP_ROLE_SESSION_NAME',
      { LAMBDA_MCP_ROLE_SESSION_NAME: 'has space' },
      /LAMBDA_MCP_ROLE_SESSION_NAME "has space": expected 2-64 characters/,
    ],
    [
      'LAMBDA_MCP_HOST',
      { LAMBDA_MCP_HOST: 'bad host!' },
      /LAMBDA_MCP_HOST "bad host!": expected a host name or IP address/,
    ],
    [
      'LAMBDA_MCP_LOG_PAYLOADS',
      { LAMBDA_MCP_LOG_PAYLOADS: 'sometimes' },
      /LAMBDA_MCP_LOG_PAYLOADS "sometimes": expected true or false/,
    ],
    [
      'LAMBDA_MCP_ANNOTATIONS (not JSON)',
      { LAMBDA_MCP_ANNOTATIONS: '{bad' },
      /LAMBDA_MCP_ANNOTATIONS "\{bad": expected a JSON object/,
    ],
    [
      'LAMBDA_MCP_ANNOTATIONS (wrong type)',
      { LAMBDA_MCP_ANNOTATIONS: '{"echo":{"readOnly":"yes"}}' },
      /LAMBDA_MCP_ANNOTATIONS .* at echo\.readOnly: expected a JSON object/,
    ],
    [
      'LAMBDA_MCP_CONFIG (missing file)',
      { LAMBDA_MCP_CONFIG: '/nonexistent/lambda-mcp.json' },
      /LAMBDA_MCP_CONFIG "\/nonexistent\/lambda-mcp\.json": expected a readable JSON file/,
    ],
  ];
  it.each(cases)('%s', (_name, env, expected) => {
    expect(failure(() => loadConfig({ cwd: EMPTY, env })).message).toMatch(expected);
  });

  it('never echoes the role external id', () => {
    const err = failure(() => loadConfig({ cwd: EMPTY, env: { LAMBDA_MCP_ROLE_EXTERNAL_ID: 'x' } }));
    expect(err.message).toMatch(/LAMBDA_MCP_ROLE_EXTERNAL_ID \(hidden value\): expected 2-1224 characters/);
  });

  it('names the flag for a bad flag value', () => {
    expect(
      failure(() => loadConfig({ cwd: EMPTY, env: {}, flags: { 'max-tools': 'many' } })).message,
    ).toMatch(/--max-tools "many": expected an integer from 0 to 10000/);
    expect(failure(() => loadConfig({ cwd: EMPTY, env: {}, flags: { port: 99999 } })).message).toMatch(
      /--port "99999": expected an integer from 0 to 65535/,
    );
    expect(
      failure(() => loadConfig({ cwd: EMPTY, env: {}, flags: { config: '/nope.json' } })).message,
    ).toMatch(/--config "\/nope\.json": expected a readable JSON file/);
  });

  it('names the file key for a bad file value', () => {
    const file = writeConfig({ maxFunctionTools: 'many' });
    expect(failure(() => loadConfig({ cwd: EMPTY, env: {}, configFile: file })).message).toMatch(
      /"maxFunctionTools" in .*lambda-mcp\.config\.json "many": expected an integer from 0 to 10000/,
    );
  });

  it('refuses an unknown key in the file, listing the accepted keys', () => {
    const file = writeConfig({ functionPrefix: 'x' });
    expect(failure(() => loadConfig({ cwd: EMPTY, env: {}, configFile: file })).message).toMatch(
      /unknown key "functionPrefix"\. Accepted keys: .*functionPrefixes/,
    );
  });

  it('refuses a file that is not JSON or not an object', () => {
    expect(
      failure(() => loadConfig({ cwd: EMPTY, env: {}, configFile: writeConfig('{"port": 1,') })).message,
    ).toMatch(/is not valid JSON/);
    expect(
      failure(() => loadConfig({ cwd: EMPTY, env: {}, configFile: writeConfig('[1,2]') })).message,
    ).toMatch(/expected a JSON object of settings/);
  });

  it('refuses a list given as a number in the file', () => {
    const file = writeConfig({ functionPrefixes: 5 });
    expect(failure(() => loadConfig({ cwd: EMPTY, env: {}, configFile: file })).message).toMatch(
      /"functionPrefixes" in .* "5": expected .*a string or an array of strings/,
    );
  });
});
