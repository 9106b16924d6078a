/**
 * The disk cache's compact form of a function list (format 2): one column per field instead of
 * one object per function. A warm start reads, decodes and parses the whole file before its first
 * answer, and every byte and every parsed object costs it time (and the young-generation
 * collections that copy what survives). With 10,000 functions of one account the file is 0.5 MB
 * instead of format 1's 4 MB (BENCHMARKS.md, "a smaller disk cache").
 *
 * - `fields`: every key any function has, in first-seen order; `shapes`: each distinct key order
 *   (indexes into `fields`), and `shapeOf` which shape each function has (one number when all share
 *   one), so every function comes back with exactly its own keys in its own order.
 * - A column is one of: `{ c }` one value for every function that has the field; `{ v }` a value
 *   per function; `{ d, i }` a dictionary of primitive values and an index per function (runtimes,
 *   handlers, versions: a few values repeated thousands of times); `{ p, s }` the function's
 *   name between a prefix and a suffix (an account's ARNs, the default log groups).
 *
 * Reading checks every part (lengths, indexes, kinds), so a damaged or hand-edited file is a miss,
 * never a crash or a half-built catalog.
 */
import type { FunctionInfo } from '../types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Column =
  | { c: Json }
  | { v: Json[] }
  | { d: Array<string | number | boolean>; i: number[] }
  | { p: string; s: string };

export interface CatalogColumns {
  count: number;
  fields: string[];
  shapes: number[][];
  shapeOf: number | number[];
  columns: Column[];
}

/** At most this many functions in one file (a sanity bound for reading, far above any account). */
const MAX_FUNCTIONS = 10_000_000;
/** A dictionary column is used when a field has at most this share of distinct values. */
const DICTIONARY_SHARE = 0.25;
/** Values in a dictionary column, at most. */
const MAX_DICTIONARY = 65_536;

/** A function list in column form. The functions are plain JSON data (as the cache stores them). */
export function toColumns(functions: readonly FunctionInfo[]): CatalogColumns {
  const rows = functions as unknown as ReadonlyArray<Record<string, Json | undefined>>;
  const fields: string[] = [];
  const field = interner(fields);
  const shapes: number[][] = [];
  const shapeId = interner<string>([]);
  const shapeOf: number[] = [];
  for (const row of rows) {
    const shape: number[] = [];
    for (const key of Object.keys(row)) {
      if (row[key] !== undefined) shape.push(field(key)); // undefined: as JSON.stringify leaves it out
    }
    const s = shapeId(shape.join(','));
    if (s === shapes.length) shapes.push(shape);
    shapeOf.push(s);
  }
  const names = rows.map((row) => row.name);
  // The name column is never derived from itself.
  const columns = fields.map((field) =>
    columnOf(
      rows.map((row) => row[field]),
      field === 'name' ? undefined : names,
    ),
  );
  const oneShape = shapes.length === 1;
  return { count: rows.length, fields, shapes, shapeOf: oneShape ? 0 : shapeOf, columns };
}

/** Gives each distinct value its index in `list` (appended the first time it is seen). */
function interner<T>(list: T[]): (value: T) => number {
  const index = new Map<T, number>();
  return (value) => {
    let i = index.get(value);
    if (i === undefined) {
      i = list.length;
      list.push(value);
      index.set(value, i);
    }
    return i;
  };
}

function columnOf(values: Array<Json | undefined>, names: Array<Json | undefined> | undefined): Column {
  const present = values.filter((v) => v !== undefined) as Json[];
  const first = present[0] ?? null;
  const firstText = JSON.stringify(first);
  if (present.every((v) => v === first || JSON.stringify(v) === firstText)) return { c: first };
  const derived = names ? nameTemplate(values, names) : undefined;
  if (derived) return derived;
  if (present.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    const dictionary = new Map<string | number | boolean, number>();
    for (const v of present as Array<string | number | boolean>) {
      if (!dictionary.has(v)) dictionary.set(v, dictionary.size);
      if (dictionary.size > MAX_DICTIONARY) break;
    }
    if (
      dictionary.size <= Math.max(1, present.length * DICTIONARY_SHARE) &&
      dictionary.size <= MAX_DICTIONARY
    ) {
      return {
        d: [...dictionary.keys()],
        i: values.map((v) =>
          v === undefined ? 0 : (dictionary.get(v as string | number | boolean) as number),
        ),
      };
    }
  }
  return { v: values.map((v) => (v === undefined ? null : v)) };
}

/** `{ p, s }` when every present value is the function's name between one prefix and one suffix. */
function nameTemplate(values: Array<Json | undefined>, names: Array<Json | undefined>): Column | undefined {
  let template: { p: string; s: string } | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    const name = names[i];
    if (typeof value !== 'string' || typeof name !== 'string' || name === '') return undefined;
    if (!template) {
      const at = value.indexOf(name);
      if (at < 0) return undefined;
      // The last occurrence would do as well; any one split that fits every value is exact.
      template = { p: value.slice(0, at), s: value.slice(at + name.length) };
    }
    if (value !== `${template.p}${name}${template.s}`) return undefined;
  }
  return template;
}

const isIndex = (value: unknown, below: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < below;

/**
 * The functions of a column form read from disk, or undefined when anything in it is not as
 * `toColumns` writes it. Every function must come back with a string `name` and `arn`.
 */
export function fromColumns(data: unknown): FunctionInfo[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { count, fields, shapes, shapeOf, columns } = data as Partial<Record<keyof CatalogColumns, unknown>>;
  if (!isIndex(count, MAX_FUNCTIONS + 1)) return undefined;
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string' && f !== '__proto__'))
    return undefined;
  if (new Set(fields).size !== fields.length) return undefined;
  if (!Array.isArray(columns) || columns.length !== fields.length) return undefined;
  if (!Array.isArray(shapes) || (shapes.length === 0 && count > 0)) return undefined;
  for (const shape of shapes) {
    if (!Array.isArray(shape) || !shape.every((f) => isIndex(f, fields.length))) return undefined;
    if (new Set(shape).size !== shape.length) return undefined;
  }
  if (Array.isArray(shapeOf)) {
    if (shapeOf.length !== count || !shapeOf.every((s) => isIndex(s, shapes.length))) return undefined;
  } else if (count > 0 && !isIndex(shapeOf, shapes.length)) return undefined;
  const nameField = fields.indexOf('name');
  const readers: Array<(i: number, name: unknown) => Json> = [];
  for (const column of columns as unknown[]) {
    const reader = columnReader(column, count);
    if (!reader) return undefined;
    readers.push(reader);
  }
  const nameReader = nameField >= 0 ? readers[nameField] : undefined;
  const functions = new Array<FunctionInfo>(count);
  for (let i = 0; i < count; i++) {
    const shape = shapes[Array.isArray(shapeOf) ? (shapeOf[i] as number) : (shapeOf as number)] as number[];
    const name = nameReader ? nameReader(i, undefined) : undefined;
    const fn: Record<string, Json> = {};
    for (const f of shape)
      fn[fields[f] as string] = (readers[f] as (i: number, name: unknown) => Json)(i, name);
    if (typeof fn.name !== 'string' || typeof fn.arn !== 'string') return undefined;
    functions[i] = fn as unknown as FunctionInfo;
  }
  return functions;
}

/** Reads one column's value for function i (a fresh copy of any object or array). */
function columnReader(column: unknown, count: number): ((i: number, name: unknown) => Json) | undefined {
  if (typeof column !== 'object' || column === null || Array.isArray(column)) return undefined;
  const c = column as Record<string, unknown>;
  const kinds = Object.keys(c).sort().join(',');
  if (kinds === 'c') {
    const value = c.c as Json;
    return typeof value === 'object' && value !== null ? () => copy(value) : () => value;
  }
  if (kinds === 'v') {
    const values = c.v;
    if (!Array.isArray(values) || values.length !== count) return undefined;
    return (i) => values[i] as Json;
  }
  if (kinds === 'd,i') {
    const { d, i: indexes } = c;
    if (!Array.isArray(d) || !d.every((v) => ['string', 'number', 'boolean'].includes(typeof v)))
      return undefined;
    if (
      !Array.isArray(indexes) ||
      indexes.length !== count ||
      !indexes.every((x) => isIndex(x, Math.max(1, d.length)))
    )
      return undefined;
    return (i) => d[indexes[i] as number] as Json;
  }
  if (kinds === 'p,s') {
    const { p, s } = c;
    if (typeof p !== 'string' || typeof s !== 'string') return undefined;
    // A function with no string name gets no value: the check on `name` then refuses the file.
    return (_i, name) => (typeof name === 'string' ? `${p}${name}${s}` : null);
  }
  return undefined;
}

function copy(value: Json): Json {
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value !== 'object' || value === null) return value;
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    const v = copy(value[key] as Json);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}
