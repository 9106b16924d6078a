/**
 * Drop-in for the official Python server (awslabs lambda-tool-mcp-server, issue 11 item 3): the
 * example configurations of its README run through our real discovery (createServices over a
 * local backend with synthetic functions) and our tool naming. Expected values are what the
 * official server selects (`(prefix and name.startswith(prefix)) or name in list`, then the tag
 * pair) and how it names tools (prefix stripped when the name starts with it, every character
 * outside [A-Za-z0-9_] turned into `_`, a leading digit prefixed with `_`); ours differ only where
 * a collision or the 64-character limit forces it, or where its tool name would be empty.
 */
import { type ConfigInput, createServices } from '@lambda-mcp/core';
import { createLocalBackend } from '@lambda-mcp/core/local';
import { describe, expect, it } from 'vitest';
import { createLambdaMcpServer, GENERIC_TOOL_NAMES } from '../src/index.js';

const ACCOUNT_FUNCTIONS: Array<{ name: string; tags: Record<string, string> }> = [
  { name: 'your-first-function', tags: { team: 'a' } },
  { name: 'your-second-function', tags: { team: 'b' } },
  { name: 'mcp-orders-v2', tags: { team: 'a' } },
  { name: 'mcp-9lives', tags: {} },
  { name: 'mcp-', tags: { team: 'a' } },
  { name: 'other-tool', tags: { team: 'a' } },
];

interface Row {
  what: string;
  env: Record<string, string>;
  /** Function name -> tool name, as the official server would expose them. */
  expect: Record<string, string>;
}

const TABLE: Row[] = [
  {
    what: 'no selection: every function',
    env: {},
    expect: {
      'your-first-function': 'your_first_function',
      'your-second-function': 'your_second_function',
      'mcp-orders-v2': 'mcp_orders_v2',
      'mcp-9lives': 'mcp_9lives',
      'mcp-': 'mcp_',
      'other-tool': 'other_tool',
    },
  },
  {
    what: 'FUNCTION_PREFIX alone (the prefix stripped; a leading digit gets "_")',
    env: { FUNCTION_PREFIX: 'mcp-' },
    // "mcp-" itself: the official server names it "" (no tool); we keep the whole name.
    expect: { 'mcp-orders-v2': 'orders_v2', 'mcp-9lives': '_9lives', 'mcp-': 'mcp_' },
  },
  {
    what: 'FUNCTION_LIST alone, with a space after the comma',
    env: { FUNCTION_LIST: 'your-first-function, your-second-function' },
    expect: { 'your-first-function': 'your_first_function', 'your-second-function': 'your_second_function' },
  },
  {
    what: 'FUNCTION_PREFIX and FUNCTION_LIST: the union (its README example)',
    env: { FUNCTION_PREFIX: 'mcp-', FUNCTION_LIST: 'your-first-function,your-second-function' },
    expect: {
      'your-first-function': 'your_first_function',
      'your-second-function': 'your_second_function',
      'mcp-orders-v2': 'orders_v2',
      'mcp-9lives': '_9lives',
      'mcp-': 'mcp_',
    },
  },
  {
    what: 'prefix, list and the tag pair',
    env: {
      FUNCTION_PREFIX: 'mcp-',
      FUNCTION_LIST: 'your-first-function,your-second-function',
      FUNCTION_TAG_KEY: 'team',
      FUNCTION_TAG_VALUE: 'a',
    },
    expect: { 'your-first-function': 'your_first_function', 'mcp-orders-v2': 'orders_v2', 'mcp-': 'mcp_' },
  },
  {
    what: 'the tag pair alone',
    env: { FUNCTION_TAG_KEY: 'team', FUNCTION_TAG_VALUE: 'b' },
    expect: { 'your-second-function': 'your_second_function' },
  },
];

async function expose(env: Record<string, string>): Promise<Record<string, string>> {
  const backend = createLocalBackend({
    syntheticFunctions: ACCOUNT_FUNCTIONS.map((f) => ({ ...f, description: f.name })),
  });
  const config: ConfigInput = {
    functionPrefixes: env.FUNCTION_PREFIX ? [env.FUNCTION_PREFIX] : [],
    functionList: env.FUNCTION_LIST ? env.FUNCTION_LIST.split(',').map((s) => s.trim()) : [],
    ...(env.FUNCTION_TAG_KEY
      ? { tagFilters: [{ key: env.FUNCTION_TAG_KEY, values: [env.FUNCTION_TAG_VALUE ?? ''] }] }
      : {}),
  };
  const services = createServices({ backend, config });
  const lambda = createLambdaMcpServer(services);
  try {
    await lambda.ready;
    const tools = await lambda.catalog.listTools();
    const out: Record<string, string> = {};
    for (const tool of tools) {
      if ((GENERIC_TOOL_NAMES as readonly string[]).includes(tool.name)) continue;
      out[String(tool.title)] = tool.name;
    }
    return out;
  } finally {
    await lambda.close();
    await services.close();
  }
}

describe("the official server's README configurations through our discovery and naming", () => {
  for (const row of TABLE) {
    it(row.what, async () => {
      expect(await expose(row.env)).toEqual(row.expect);
    });
  }
});
