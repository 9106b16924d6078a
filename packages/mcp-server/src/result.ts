import type { DecodedPayload, FieldError, FunctionErrorInfo, InvocationResult } from '@lambda-mcp/core';
import { formatFieldErrors } from '@lambda-mcp/core/internal';
import { redact } from './errors.js';
import { fitJson } from './tools/fit.js';
import type { JsonObject, TextContent, ToolResult } from './types.js';

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character
 * (a surrogate pair counts as one character).
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (text.length * 3 <= maxBytes || byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += code >= 0x10000 ? 2 : 1;
  }
  return text.slice(0, i);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function formatBytes(n: number): string {
  return `${n.toLocaleString('en-US')} bytes`;
}

/** Fits `text` plus `notice` into `maxBytes`: the text is cut, the notice kept whole. */
function cutWithNotice(text: string, maxBytes: number, notice: (shown: number) => string): string {
  const reserve = byteLength(notice(maxBytes)) + 8;
  const cut = truncateUtf8(text, Math.max(0, maxBytes - reserve));
  return `${cut}${notice(byteLength(cut))}`;
}

function truncationNotice(total: number, shown: number, maxBytes: number, extra: string): string {
  return (
    `\n\n[Result truncated: showing the first ${formatBytes(shown)} of ${formatBytes(total)}; ` +
    `this server returns at most ${formatBytes(maxBytes)} (maxResultBytes).${extra}]`
  );
}

/** How a per-function tool checks its declared output. */
export interface OutputContract {
  /** The output schema's root is not an object: results are sent as `{ [property]: value }`. */
  wrapped: boolean;
  property: string;
  /** Field errors when `value` (the structured content as sent) does not match, else undefined. */
  check(value: JsonObject): FieldError[] | undefined;
}

export interface ShapeOptions {
  maxResultBytes: number;
  /** Present when the tool declares an outputSchema. */
  output?: OutputContract;
}

/** Text for a function error: type, message and trace, as the function reported them. */
export function functionErrorText(label: string, error: FunctionErrorInfo): string {
  const trace =
    error.trace.length > 0 ? `\nTrace:\n${error.trace.map((l) => `  ${l.trim()}`).join('\n')}` : '';
  return `The function ${label} failed (${error.kind}): ${error.errorType}: ${error.errorMessage}${trace}`;
}

/** The structured form of a decoded payload: objects as they are, other JSON as `{ result }`. */
export function structuredPayload(payload: DecodedPayload): JsonObject | undefined {
  if (payload.kind !== 'json') return undefined;
  return isJsonObject(payload.value) ? payload.value : { result: payload.value };
}

/** Text for a non-JSON payload (plain text as is; binary as a note plus base64; empty as a note). */
export function payloadText(payload: DecodedPayload): string {
  switch (payload.kind) {
    case 'json':
      return payload.text;
    case 'text':
      return payload.text;
    case 'binary':
      return `The function returned ${formatBytes(payload.byteLength)} of binary (non-UTF-8) data. Base64:\n${payload.base64}`;
    case 'empty':
      return 'The function returned an empty response.';
  }
}

/**
 * Shapes a per-function tool's invocation result.
 *
 * - Function error: `isError` with the error type, message and trace (no structured content).
 * - JSON object: `structuredContent` plus its JSON text; other JSON: `{ "result": value }`.
 * - Text: the text. Binary: a note and base64, never raw bytes. Empty: a note.
 * - Declared output schema: the structured content is checked; output that does not conform (or
 *   is not JSON) is returned as an `isError` result that names the mismatch and carries the raw
 *   output as text, because a client must never receive structured content that breaks the
 *   schema it was promised (and SDK clients reject a success result without it).
 * - Larger than `maxResultBytes`: the text is cut with a notice giving the full size and the
 *   structured content is left out (truncated JSON would be invalid). A tool with a declared
 *   output schema must then answer `isError`, since a success result needs the structured form.
 */
export function shapeInvocationResult(
  label: string,
  result: InvocationResult,
  options: ShapeOptions,
): ToolResult {
  const max = options.maxResultBytes;
  if (result.functionError) {
    const text = redactTrace(functionErrorText(label, result.functionError));
    return { isError: true, content: [{ type: 'text', text: fit(text, max, '') }] };
  }
  let structured: JsonObject | undefined;
  if (options.output) {
    if (result.payload.kind !== 'json') {
      const what = result.payload.kind === 'empty' ? 'no output' : `non-JSON output (${result.payload.kind})`;
      return {
        isError: true,
        content: [
          {
            type: 'text',
            text: fit(
              `The function ${label} declares an output schema but returned ${what}:\n${payloadText(result.payload)}`,
              max,
              '',
            ),
          },
        ],
      };
    }
    const value = result.payload.value;
    let problems: FieldError[] | undefined;
    if (options.output.wrapped) {
      structured = { [options.output.property]: value };
      problems = options.output.check(structured);
    } else if (isJsonObject(value)) {
      structured = value;
      problems = options.output.check(structured);
    } else {
      problems = [{ path: '', message: 'must be object', keyword: 'type' }];
    }
    if (problems || !structured) {
      return {
        isError: true,
        content: [
          {
            type: 'text',
            text: fit(
              `The output of ${label} does not match its declared output schema:\n${formatFieldErrors(problems ?? [], { style: 'list' })}\nOutput:\n${result.payload.text}`,
              max,
              '',
            ),
          },
        ],
      };
    }
  } else {
    structured = structuredPayload(result.payload);
  }

  const finalText = structured ? JSON.stringify(structured) : payloadText(result.payload);
  const total = byteLength(finalText);
  if (total <= max) {
    return {
      content: [{ type: 'text', text: finalText }],
      ...(structured ? { structuredContent: structured } : {}),
    };
  }
  const extra = structured
    ? ' The structured result is left out because a cut JSON document would be invalid.'
    : '';
  const content: TextContent[] = [
    {
      type: 'text',
      text: cutWithNotice(finalText, max, (shown) => truncationNotice(total, shown, max, extra)),
    },
  ];
  return options.output ? { isError: true, content } : { content };
}

function redactTrace(text: string): string {
  return redact(text);
}

/** Cuts `text` to `max` bytes with a notice when needed. */
export function fit(text: string, max: number, extra: string): string {
  const total = byteLength(text);
  if (total <= max) return text;
  return cutWithNotice(text, max, (shown) => truncationNotice(total, shown, max, extra));
}

/**
 * A JSON value that fits `maxBytes` when serialised: the value itself, or a string preview of
 * its JSON text and the sizes (so a structured result stays valid JSON while its bulk is cut).
 */
export function previewJson(
  value: unknown,
  maxBytes: number,
): { value: unknown; truncated?: { total_bytes: number; shown_bytes: number } } {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  const total = byteLength(text);
  if (byteLength(JSON.stringify(value) ?? '') <= maxBytes) return { value };
  // The preview is a JSON string, so quotes and control characters grow when escaped: cut, measure, repeat.
  let target = Math.max(0, maxBytes - 2);
  let cut = truncateUtf8(text, target);
  for (let i = 0; i < 20; i++) {
    const size = byteLength(JSON.stringify(cut));
    if (size <= maxBytes || target === 0) break;
    target = Math.max(0, Math.floor((target * maxBytes) / size) - 8);
    cut = truncateUtf8(text, target);
  }
  return { value: cut, truncated: { total_bytes: total, shown_bytes: byteLength(cut) } };
}

export interface StructuredOptions {
  maxResultBytes: number;
  isError?: boolean;
  /**
   * Makes a smaller object that still conforms to the tool's output schema, given a byte budget
   * for its JSON text; undefined when it cannot.
   */
  shrink?: (value: JsonObject, budget: number) => JsonObject | undefined;
  /** A short human summary, sent as a second text block after the JSON (which stays pure JSON). */
  summary?: string;
}

/**
 * A result whose structured content conforms to the tool's own (generic tool) output schema. When
 * its JSON is too large, `shrink` cuts inside the structure (payload previews, fewer list
 * entries) so the structured content stays valid; failing that, an `isError` text result.
 */
export function structuredResult(value: JsonObject, options: StructuredOptions): ToolResult {
  const max = options.maxResultBytes;
  const summary = options.summary ?? '';
  const summaryBlock: TextContent[] = summary ? [{ type: 'text', text: summary }] : [];
  const text = JSON.stringify(value);
  const total = byteLength(text) + byteLength(summary);
  if (total <= max) {
    return {
      ...(options.isError ? { isError: true } : {}),
      content: [{ type: 'text', text }, ...summaryBlock],
      structuredContent: value,
    };
  }
  const notice = (shown: number) =>
    `[Result truncated: the full result is ${formatBytes(total)}; this server returns at most ${formatBytes(max)} (maxResultBytes), so ${formatBytes(shown)} are shown. Large fields or lists were cut inside the structure (see the fields named truncated or *_truncated).]`;
  const budget = max - byteLength(summary) - byteLength(notice(max)) - 16;
  {
    // The tool's own shrink first; then a generic cut that keeps every field's type.
    let smaller = options.shrink?.(value, budget) ?? fitJson(value, budget);
    if (smaller && byteLength(JSON.stringify(smaller)) > budget) smaller = fitJson(smaller, budget);
    if (smaller) {
      const smallerText = JSON.stringify(smaller);
      if (byteLength(smallerText) <= budget) {
        return {
          ...(options.isError ? { isError: true } : {}),
          content: [
            { type: 'text', text: smallerText },
            ...summaryBlock,
            { type: 'text', text: notice(byteLength(smallerText)) },
          ],
          structuredContent: smaller,
        };
      }
    }
  }
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: cutWithNotice(`${summary ? `${summary}\n` : ''}${text}`, max, (shown) =>
          truncationNotice(
            total,
            shown,
            max,
            ' The structured result is left out because it could not be cut safely.',
          ),
        ),
      },
    ],
  };
}
