/**
 * Seeded generator of malformed and random JSON-RPC messages for the protocol fuzzing tests. Each
 * message comes with what the spec (and the SDK's documented behaviour) says must happen to it.
 */
import type { Random } from './support.js';

export type Kind =
  | 'bad-json'
  | 'not-an-object'
  | 'bad-envelope'
  | 'unknown-method'
  | 'bad-params'
  | 'invalid-cursor'
  | 'unknown-tool'
  | 'tool-call'
  | 'generic-call'
  | 'valid-request'
  | 'notification'
  | 'response'
  | 'huge'
  | 'deep';

/**
 * What must come back:
 * - `result`: exactly one response with this id, and it is a result;
 * - `error`: exactly one response with this id, an error whose code is in `codes`;
 * - `answer`: exactly one response with this id (result or error);
 * - `none`: no response (notifications and responses get none);
 * - `none-or-error`: nothing, or an error (never a result): messages that are not valid JSON-RPC.
 */
export type Expect = 'result' | 'error' | 'answer' | 'none' | 'none-or-error';

export interface FuzzMessage {
  kind: Kind;
  text: string;
  /** The id when the message is a request with a usable id (unique in a run). */
  id?: string | number;
  expect: Expect;
  codes?: number[];
}

const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
/** Params that fail the SDK's request schema: -32602 (the server maps the SDK's parse failure). */
const SDK_PARAMS = [INVALID_PARAMS];

const KNOWN_METHODS = ['tools/call', 'tools/list', 'initialize', 'logging/setLevel', 'ping'] as const;
const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e',
  'é',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\ud800',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as is
  '${jndi:ldap://x}',
  '<script>',
  "'; DROP TABLE x; --",
  '%s%s%s%n',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

function randomString(r: Random, max = 40): string {
  const n = r.int(0, max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    if (roll < 0.7) s += String.fromCharCode(r.int(0x20, 0x7e));
    else if (roll < 0.85) s += String.fromCharCode(r.int(0x80, 0x7ff));
    else if (roll < 0.95) s += String.fromCodePoint(r.int(0x1f300, 0x1f6ff));
    else s += String.fromCharCode(r.int(0, 0x1f));
  }
  return s;
}

function randomValue(r: Random, depth = 0): unknown {
  const roll = r.next();
  if (depth > 3 || roll < 0.15) return r.pick([null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 1]);
  if (roll < 0.4) return r.chance(0.3) ? r.pick(WEIRD_STRINGS) : randomString(r);
  if (roll < 0.55) return r.int(-1e9, 1e9);
  if (roll < 0.75) return Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = r.int(0, 4); i > 0; i--) {
    // defineProperty: a "__proto__" key is sent as a real key, not taken as the prototype.
    Object.defineProperty(o, r.chance(0.2) ? r.pick(WEIRD_STRINGS) : randomString(r, 8), {
      value: randomValue(r, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

function wrongType(r: Random): unknown {
  return r.pick([5, -1, true, null, 'text', [], [1, 2], 1.5]);
}

function req(id: string | number, method: string, params?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) });
}

function nested(depth: number, r: Random): string {
  return r.chance(0.5)
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export interface GeneratorOptions {
  /** Tools the server lists (per-function tools of safe functions): valid calls pick from these. */
  tools: string[];
  /** Biggest string a message may carry (a transport limit is tested separately). */
  hugeBytes: number;
  /** Prefix of the ids, so a run's ids never collide with the suite's own requests. */
  idPrefix: string;
}

/** The n-th message of a run: same seed, same messages. */
export function fuzzMessage(r: Random, n: number, options: GeneratorOptions): FuzzMessage {
  const id = r.chance(0.5) ? `${options.idPrefix}${n}` : 1_000_000 + n;
  const roll = r.next();
  if (roll < 0.1) {
    // Not JSON: cut messages, stray bytes, JavaScript that is not JSON.
    const valid = req(id, 'ping');
    const text = r.pick([
      valid.slice(0, r.int(1, valid.length - 1)),
      `${valid}}`,
      "{'jsonrpc':'2.0','id':1,'method':'ping'}",
      '{"jsonrpc":"2.0","id":NaN,"method":"ping"}',
      '{"jsonrpc":"2.0",,"method":"ping"}',
      `{${randomString(r, 20).replace(/[\n\r]/g, '')}`,
      'undefined',
      '{"a":1,}',
      `"${'\\u12'}"`,
    ]);
    return { kind: 'bad-json', text, expect: 'none-or-error' };
  }
  if (roll < 0.16) {
    const text = JSON.stringify(
      r.pick<unknown>([
        42,
        'ping',
        null,
        true,
        [],
        [{ jsonrpc: '2.0', id, method: 'ping' }],
        [1, 2, 3],
        randomString(r),
      ]),
    );
    return { kind: 'not-an-object', text, expect: 'none-or-error' };
  }
  if (roll < 0.26) {
    // Objects that are not valid JSON-RPC: wrong version, method or id type, params not an object.
    const text = JSON.stringify(
      r.pick<Record<string, unknown>>([
        { jsonrpc: '1.0', id, method: 'ping' },
        { id, method: 'ping' },
        { jsonrpc: 2, id, method: 'ping' },
        { jsonrpc: '2.0', id, method: r.pick([5, true, null, [], {}, 1.5]) },
        { jsonrpc: '2.0', id, method: 'ping', params: r.pick(['x', 5, [1], true]) },
        { jsonrpc: '2.0', id: r.pick([null, {}, [], 1.5, true]), method: 'tools/list' },
        { jsonrpc: '2.0', id },
        { jsonrpc: '2.0', id, result: {}, error: { code: 1, message: 'x' } },
        {},
      ]),
    );
    return { kind: 'bad-envelope', text, expect: 'none-or-error' };
  }
  if (roll < 0.36) {
    const method = r.pick([
      'tools/delete',
      'rpc.discover',
      'resources/list',
      'prompts/get',
      'completion/complete',
      'sampling/createMessage',
      'TOOLS/LIST',
      'tools/list ',
      `x/${randomString(r, 12)}`,
      'tasks/get',
    ]);
    return {
      kind: 'unknown-method',
      text: req(id, method, {}),
      id,
      expect: 'error',
      codes: [METHOD_NOT_FOUND],
    };
  }
  if (roll < 0.46) {
    const method = r.pick(KNOWN_METHODS.filter((m) => m !== 'ping'));
    const params =
      method === 'tools/call'
        ? r.pick<Record<string, unknown>>([
            { name: wrongType(r) },
            {},
            { name: 'echo', arguments: r.pick(['x', 5, [1, 2], true]) },
            { arguments: {} },
          ])
        : method === 'logging/setLevel'
          ? { level: r.pick(['bogus', 5, null, 'DEBUG', '']) }
          : method === 'initialize'
            ? { protocolVersion: wrongType(r), capabilities: wrongType(r) }
            : { cursor: r.pick([5, true, null, {}, []]) };
    return { kind: 'bad-params', text: req(id, method, params), id, expect: 'error', codes: SDK_PARAMS };
  }
  if (roll < 0.5) {
    const cursor = r.pick(['', 'zzz', 'eyJvZmZzZXQiOjk5OTk5fQ==', randomString(r), '0', '-1', 'null']);
    return {
      kind: 'invalid-cursor',
      text: req(id, 'tools/list', { cursor }),
      id,
      expect: 'error',
      codes: [INVALID_PARAMS],
    };
  }
  if (roll < 0.56) {
    const name = r.pick([
      'nope',
      'ECHO',
      'еcho',
      'echo ',
      'echo\u200d',
      '',
      'invoke_function2',
      randomString(r, 70),
      'a'.repeat(300),
      '../echo',
    ]);
    return {
      kind: 'unknown-tool',
      text: req(id, 'tools/call', { name, arguments: {} }),
      id,
      expect: 'error',
      codes: [INVALID_PARAMS],
    };
  }
  if (roll < 0.66) {
    const name = r.pick(options.tools);
    const args = randomValue(r);
    const argumentsObject =
      typeof args === 'object' && args !== null && !Array.isArray(args) ? args : { value: args };
    return {
      kind: 'tool-call',
      text: req(id, 'tools/call', { name, arguments: argumentsObject }),
      id,
      expect: 'result',
    };
  }
  if (roll < 0.72) {
    const params = r.pick<Record<string, unknown>>([
      { name: 'invoke_function', arguments: { function_name: r.pick(WEIRD_STRINGS), payload: {} } },
      {
        name: 'invoke_function',
        arguments: { function_name: 'echo', payload: randomValue(r), qualifier: r.pick(WEIRD_STRINGS) },
      },
      {
        name: 'invoke_function',
        arguments: { function_name: 'echo', invocation_type: r.pick(['Nope', 5, 'DryRun']) },
      },
      {
        name: 'invoke_functions',
        arguments: { invocations: r.pick([[], 5, [{}], [{ function_name: 'nope' }]]) },
      },
      { name: 'get_function_schema', arguments: { function_name: r.pick(WEIRD_STRINGS) } },
      { name: 'list_functions', arguments: { filter_by_tags: randomValue(r) } },
      { name: 'monitor_executions', arguments: { function_name: 'echo', time_range: randomValue(r) } },
    ]);
    return { kind: 'generic-call', text: req(id, 'tools/call', params), id, expect: 'result' };
  }
  if (roll < 0.76) {
    const method = r.pick(['ping', 'tools/list', 'logging/setLevel']);
    const params =
      method === 'logging/setLevel' ? { level: r.pick(['error', 'warning', 'info']) } : undefined;
    return { kind: 'valid-request', text: req(id, method, params), id, expect: 'result' };
  }
  if (roll < 0.86) {
    // Notifications (no id) get no answer, whatever their method.
    const text = JSON.stringify({
      jsonrpc: '2.0',
      method: r.pick([
        'notifications/initialized',
        'notifications/cancelled',
        'notifications/progress',
        'notifications/roots/list_changed',
        `notifications/${randomString(r, 10)}`,
        'tools/list',
        'ping',
      ]),
      params: r.pick<Record<string, unknown>>([
        {},
        { requestId: `never-sent-${n}`, reason: randomString(r) },
        { progressToken: n, progress: 1 },
        { junk: randomValue(r) },
      ]),
    });
    return { kind: 'notification', text, expect: 'none' };
  }
  if (roll < 0.9) {
    // Responses to requests the server never sent. MCP results are objects: a response with
    // another result is not a valid MCP message (refused over HTTP, dropped over stdio).
    const result = randomValue(r);
    const objectResult = typeof result === 'object' && result !== null && !Array.isArray(result);
    const text = JSON.stringify(
      r.chance(0.5)
        ? { jsonrpc: '2.0', id: `unknown-${n}`, result }
        : { jsonrpc: '2.0', id: n, error: { code: -32000, message: randomString(r) } },
    );
    const isError = text.includes('"error":');
    return { kind: 'response', text, expect: isError || objectResult ? 'none' : 'none-or-error' };
  }
  if (roll < 0.95) {
    const bytes = r.chance(0.1) ? options.hugeBytes : r.int(10_000, 200_000);
    const big = 'x'.repeat(bytes);
    const text = r.pick([
      req(id, 'tools/call', { name: r.pick(options.tools), arguments: { big } }),
      req(id, 'ping', { _meta: { big } }),
      req(id, big.slice(0, 100_000), {}),
    ]);
    const expect: Expect = text.includes('"method":"xxxx') ? 'error' : 'result';
    return { kind: 'huge', text, id, expect, ...(expect === 'error' ? { codes: [METHOD_NOT_FOUND] } : {}) };
  }
  const depth = r.pick([100, 1_000, 5_000, 20_000, 100_000]);
  const text = r.pick([
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/call","params":{"name":${JSON.stringify(r.pick(options.tools))},"arguments":{"deep":${nested(depth, r)}}}}`,
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping","params":{"_meta":{"deep":${nested(depth, r)}}}}`,
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/list","params":{"deep":${nested(depth, r)}}}`,
  ]);
  return { kind: 'deep', text, id, expect: 'result' };
}
