import type { AnnotationOverride, FunctionInfo } from '@lambda-mcp/core';
import { formatFunctionKey } from '@lambda-mcp/core';
import type { ToolAnnotations } from './types.js';

/**
 * Defaults for a Lambda invocation: it runs code we know nothing about, so it is not read-only,
 * may be destructive, is not idempotent and reaches the world (the MCP spec's own defaults).
 */
export const DEFAULT_FUNCTION_ANNOTATIONS: Readonly<Required<Omit<ToolAnnotations, 'title'>>> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/** Tag keys (case-insensitive) a function owner sets to describe the function's behaviour. */
export const ANNOTATION_TAGS: Readonly<Record<string, keyof AnnotationOverride>> = {
  'mcp:readonly': 'readOnly',
  'mcp:destructive': 'destructive',
  'mcp:idempotent': 'idempotent',
  'mcp:openworld': 'openWorld',
};

function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  return undefined;
}

/** Reads `mcp:readOnly=true`-style tags; unknown values are ignored. */
export function annotationsFromTags(tags: Record<string, string> | undefined): AnnotationOverride {
  const out: AnnotationOverride = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    const field = ANNOTATION_TAGS[key.trim().toLowerCase()];
    if (!field) continue;
    const b = parseBool(value);
    if (b !== undefined) out[field] = b;
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * Configuration overrides that apply to a function. Keys are a function name, `name:qualifier`,
 * a tool name, or a `*` glob over function names. Less specific keys apply first (globs, then
 * the name, then `name:qualifier`, then the tool name), so the most specific wins.
 */
export function annotationsFromConfig(
  fn: Pick<FunctionInfo, 'name' | 'qualifier'>,
  toolName: string,
  config: Record<string, AnnotationOverride> | undefined,
): AnnotationOverride {
  if (!config) return {};
  const out: AnnotationOverride = {};
  const globs = Object.keys(config)
    .filter((k) => k.includes('*') || k.includes('?'))
    .sort();
  for (const key of globs) {
    if (globToRegExp(key).test(fn.name)) Object.assign(out, config[key]);
  }
  const exact = [fn.name, fn.qualifier ? formatFunctionKey(fn.name, fn.qualifier) : undefined, toolName];
  for (const key of exact) {
    if (key !== undefined && Object.hasOwn(config, key)) Object.assign(out, config[key]);
  }
  return out;
}

/** Defaults, then the function's tags, then the operator's configuration (which wins). */
export function functionAnnotations(
  fn: Pick<FunctionInfo, 'name' | 'qualifier' | 'tags'>,
  toolName: string,
  config: Record<string, AnnotationOverride> | undefined,
  title?: string,
): ToolAnnotations {
  const merged: AnnotationOverride = {
    ...annotationsFromTags(fn.tags),
    ...stripUndefined(annotationsFromConfig(fn, toolName, config)),
  };
  const readOnly = merged.readOnly ?? DEFAULT_FUNCTION_ANNOTATIONS.readOnlyHint;
  return {
    ...(title ? { title } : {}),
    readOnlyHint: readOnly,
    // A read-only tool does not destroy anything; the hint is meaningless then, so say false.
    destructiveHint: merged.destructive ?? (readOnly ? false : DEFAULT_FUNCTION_ANNOTATIONS.destructiveHint),
    idempotentHint: merged.idempotent ?? (readOnly ? true : DEFAULT_FUNCTION_ANNOTATIONS.idempotentHint),
    openWorldHint: merged.openWorld ?? DEFAULT_FUNCTION_ANNOTATIONS.openWorldHint,
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
