import { LambdaMcpError } from '../errors.js';

/**
 * The simple CloudWatch Logs filter patterns, matched case-sensitively as CloudWatch does:
 * - `ERROR timeout`: every term must appear;
 * - `"Task timed out"`: a quoted phrase is one term;
 * - `?ERROR ?"timed out"`: any of the `?` terms may appear;
 * - `ERROR -Retrying`: a `-` term must not appear.
 * JSON (`{ $.x = 1 }`), space-delimited (`[a, b]`) and regex (`%...%`) patterns are refused with a
 * clear error rather than matched wrongly.
 */
export type LogMatcher = (message: string) => boolean;

interface Term {
  text: string;
  optional: boolean;
  negated: boolean;
}

function tokenize(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    while (i < pattern.length && /\s/.test(pattern[i] ?? '')) i++;
    if (i >= pattern.length) break;
    let optional = false;
    let negated = false;
    if (pattern[i] === '?') {
      optional = true;
      i++;
    } else if (pattern[i] === '-' && i + 1 < pattern.length && !/\s/.test(pattern[i + 1] ?? '')) {
      negated = true;
      i++;
    }
    let text = '';
    if (pattern[i] === '"') {
      i++;
      let closed = false;
      while (i < pattern.length) {
        const ch = pattern[i] ?? '';
        if (ch === '\\' && i + 1 < pattern.length) {
          text += pattern[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        text += ch;
        i++;
      }
      if (!closed) throw invalid(pattern, 'a quoted term is not closed');
    } else {
      while (i < pattern.length && !/\s/.test(pattern[i] ?? '')) text += pattern[i++];
    }
    if (text.length > 0) terms.push({ text, optional, negated });
  }
  return terms;
}

function invalid(pattern: string, why: string): LambdaMcpError {
  return new LambdaMcpError(
    'INVALID_REQUEST',
    `Invalid filter pattern ${JSON.stringify(pattern)}: ${why}. The local backend accepts terms (ERROR), quoted phrases ("Task timed out"), ?OR terms (?ERROR ?WARN) and -excluded terms.`,
    { details: { filterPattern: pattern } },
  );
}

export function compileFilterPattern(pattern: string | undefined): LogMatcher {
  const trimmed = (pattern ?? '').trim();
  if (trimmed === '') return () => true;
  const first = trimmed[0];
  if (first === '{' || first === '[' || (first === '%' && trimmed.endsWith('%') && trimmed.length > 1)) {
    throw invalid(trimmed, 'JSON, space-delimited and regex patterns are not supported here');
  }
  const terms = tokenize(trimmed);
  if (terms.length === 0) return () => true;
  if (terms.some((t) => t.optional)) {
    const any = terms.map((t) => t.text);
    return (message) => any.some((t) => message.includes(t));
  }
  const required = terms.filter((t) => !t.negated).map((t) => t.text);
  const excluded = terms.filter((t) => t.negated).map((t) => t.text);
  return (message) =>
    required.every((t) => message.includes(t)) && !excluded.some((t) => message.includes(t));
}
