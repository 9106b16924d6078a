import { describe, expect, it } from 'vitest';
import {
  annotationsFromTags,
  DEFAULT_FUNCTION_ANNOTATIONS,
  functionAnnotations,
} from '../src/annotations.js';

describe('annotations', () => {
  it('defaults: not read-only, destructive, not idempotent, open world', () => {
    const a = functionAnnotations({ name: 'f', tags: {} }, 'f', {});
    expect(a).toEqual({ ...DEFAULT_FUNCTION_ANNOTATIONS });
    expect(a).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: true,
    });
  });

  it('reads mcp:* tags case-insensitively and ignores unknown values', () => {
    expect(
      annotationsFromTags({
        'mcp:readOnly': 'true',
        'MCP:OpenWorld': 'false',
        'mcp:idempotent': 'maybe',
        other: 'x',
      }),
    ).toEqual({ readOnly: true, openWorld: false });
  });

  it('a read-only function is not destructive and is idempotent unless told otherwise', () => {
    const a = functionAnnotations({ name: 'f', tags: { 'mcp:readOnly': 'true' } }, 'f', {});
    expect(a).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    });
  });

  it('tags override defaults, configuration overrides tags, the most specific key wins', () => {
    const fn = {
      name: 'orders-api',
      qualifier: 'prod',
      tags: { 'mcp:destructive': 'false', 'mcp:idempotent': 'true' },
    };
    const a = functionAnnotations(fn, 'orders_api_prod', {
      'orders-*': { openWorld: false, idempotent: false },
      'orders-api': { destructive: true },
      'orders-api:prod': { readOnly: false },
      orders_api_prod: { idempotent: true },
    });
    expect(a).toEqual({
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
  });

  it('sets the title when given', () => {
    expect(functionAnnotations({ name: 'f', tags: {} }, 'f', {}, 'f:prod').title).toBe('f:prod');
  });
});
