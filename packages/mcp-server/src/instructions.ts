import type { CatalogStatus } from './catalog.js';

function kb(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}

/**
 * The server's `instructions`: what the tools are and how to use them well, with the facts of
 * this session (how many functions, whether the per-function cap cut the list, whether discovery
 * failed).
 */
export function buildInstructions(status: CatalogStatus, options: { maxResultBytes: number }): string {
  const where =
    status.backend.kind === 'aws'
      ? `AWS Lambda functions${status.backend.region ? ` in ${status.backend.region}` : ''}`
      : status.backend.kind === 'local'
        ? 'Lambda functions from a local functions folder (Lambda semantics, run on this machine)'
        : 'Lambda functions';
  const perFunction = status.toolFamilies !== 'generic';
  const generic = status.toolFamilies !== 'per-function';
  const lines: string[] = [`This server exposes ${where} as tools. Calling a tool runs the function.`];

  if (perFunction) {
    lines.push(
      '',
      'Per-function tools: each function has its own tool (named after the function; the description says which function it runs and what input it takes). ' +
        "Its arguments are the function's event, checked against the function's input schema; its result is the function's response " +
        '(JSON objects as structured content, other JSON as {"result": ...}).',
    );
  }
  if (generic) {
    lines.push(
      '',
      'Generic tools:',
      '- list_functions: the functions you can use, with descriptions and tool names (include_metadata for runtime, memory, tags).',
      "- get_function_schema: a function's input schema and example payloads; check it when unsure what a function takes.",
      '- invoke_function: invoke any listed function by name, also with a qualifier (alias or version), asynchronously (Event), as a DryRun, or with log_type "Tail" for logs and duration/memory figures.',
      '- invoke_functions: several invocations in parallel in one call; each item reports its own result or error.',
      '- monitor_executions: invocations, errors, throttles, duration percentiles and concurrency over a time range ("1h", "24h", ISO times), with recent errors on request.',
    );
  }

  lines.push(
    '',
    'Using them well:',
    ...(perFunction && generic
      ? [
          "- Prefer a function's own tool when it has one; use invoke_function for the rest and for qualifiers, async or dry runs.",
        ]
      : []),
    '- Functions run real code and may change data: invoke only what the task needs, and do not repeat a call that may have succeeded unless asked.',
    '- A result with isError explains what went wrong: a function error keeps the error type, message and trace; invalid arguments name each failing field; platform errors carry a code such as [THROTTLED] or [TIMED_OUT]. Fix the input or wait before retrying; do not retry [FUNCTION_NOT_ALLOWED].',
    `- Results longer than ${kb(options.maxResultBytes)} are cut, with a notice giving the full size.`,
    '- Long invocations send progress notifications; a cancelled call stops the invocation.',
  );

  if (status.loaded) {
    lines.push('', `Functions available: ${status.functionCount}.`);
    if (status.functionCount === 0 && !status.discoveryError) {
      lines.push(
        "No function matches this server's filters (prefixes, function list, tags, runtimes, exclusions), so there is nothing to invoke; the operator should check the configuration (the CLI's `lambda-mcp functions --all` shows why each function was left out).",
      );
    }
  }
  if (perFunction && status.cappedCount > 0) {
    lines.push(
      '',
      `Note: ${status.functionCount} functions match, but only the first ${status.functionToolCount} (by tool name) have their own tool ` +
        `(the server's limit is ${status.maxFunctionTools}). ` +
        (generic
          ? 'Find the others with list_functions and call them with invoke_function.'
          : 'The generic tools are turned off, so the others cannot be called in this configuration.'),
    );
  }
  if (status.discoveryError) {
    lines.push(
      '',
      status.loaded
        ? `Warning: refreshing the function list failed (${status.discoveryError.code}: ${status.discoveryError.message}); the list may be out of date.`
        : `Warning: function discovery failed at startup (${status.discoveryError.code}: ${status.discoveryError.message}). ` +
            (generic
              ? 'No per-function tools are available until it succeeds; the generic tools work and report the problem.'
              : 'No tools are available until it succeeds.'),
    );
  } else if (!status.ready) {
    lines.push(
      '',
      'The function list was still loading when this session started; call list_functions to see it.',
    );
  }
  return lines.join('\n');
}
