import {
  type DecodedPayload,
  formatFunctionKey,
  type InvocationResult,
  type InvocationType,
  isErrorCode,
  type ReportMetrics,
} from '@lambda-mcp/core';
import { stringValue } from '../args.js';
import { type Context, withSpinner } from '../context.js';
import { CliError, firstLine, usageError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { readPayload } from '../payload.js';
import type { Style } from '../ui/color.js';
import { formatJson, formatMs } from '../ui/format.js';
import { explainUnavailable } from './unavailable.js';

export function payloadToJson(payload: DecodedPayload): unknown {
  switch (payload.kind) {
    case 'empty':
      return null;
    case 'json':
      return payload.value;
    case 'text':
      return payload.text;
    case 'binary':
      return { base64: payload.base64, byteLength: payload.byteLength };
  }
}

export function invocationToJson(result: InvocationResult): Record<string, unknown> {
  return {
    functionName: result.functionName,
    ...(result.qualifier ? { qualifier: result.qualifier } : {}),
    invocationType: result.invocationType,
    statusCode: result.statusCode,
    ...(result.requestId ? { requestId: result.requestId } : {}),
    ...(result.executedVersion ? { executedVersion: result.executedVersion } : {}),
    payloadKind: result.payload.kind,
    payload: payloadToJson(result.payload),
    ...(result.functionError
      ? {
          functionError: {
            kind: result.functionError.kind,
            errorType: result.functionError.errorType,
            errorMessage: result.functionError.errorMessage,
            trace: result.functionError.trace,
          },
        }
      : {}),
    ...(result.logs ? { logs: result.logs } : {}),
    ...(result.report ? { report: result.report } : {}),
    elapsedMs: result.elapsedMs,
  };
}

export function formatReport(report: ReportMetrics, style: Style): string {
  const parts = [
    `duration ${style.bold(formatMs(report.durationMs))}`,
    `billed ${formatMs(report.billedDurationMs)}`,
    `memory ${style.bold(`${report.maxMemoryUsedMb}`)}/${report.memorySizeMb} MB`,
  ];
  if (report.initDurationMs !== undefined) parts.push(`init ${formatMs(report.initDurationMs)}`);
  if (report.status) parts.push(style.red(`status ${report.status}`));
  return parts.join(' · ');
}

export async function runInvoke(ctx: Context): Promise<ExitCode> {
  const functionName = ctx.positionals[0] ?? '';
  const isAsync = ctx.values.async === true;
  const dryRun = ctx.values['dry-run'] === true;
  const logs = ctx.values.logs === true;
  if (isAsync && dryRun) {
    throw usageError('--async and --dry-run cannot be combined: choose one invocation type.');
  }
  if (logs && (isAsync || dryRun)) {
    throw usageError(
      `--logs works only with synchronous invocations, not with ${isAsync ? '--async' : '--dry-run'}.`,
    );
  }
  const qualifier = stringValue(ctx.values, 'qualifier');
  if (qualifier !== undefined && qualifier.trim() === '') {
    throw usageError('--qualifier needs a version number or an alias name, e.g. --qualifier prod.');
  }
  const payload = await readPayload(stringValue(ctx.values, 'payload'), ctx.io);
  const invocationType: InvocationType = isAsync ? 'Event' : dryRun ? 'DryRun' : 'RequestResponse';

  const services = await withSpinner(ctx, 'Loading configuration…', () => ctx.services());
  const verb = dryRun ? 'Checking' : 'Invoking';
  const result = await withSpinner(ctx, `${verb} ${functionName}…`, async () => {
    try {
      return await services.invocation.invoke(
        {
          functionName,
          ...(qualifier === undefined ? {} : { qualifier }),
          payload,
          invocationType,
          logType: logs ? 'Tail' : 'None',
        },
        { signal: ctx.signal },
      );
    } catch (error) {
      if (isErrorCode(error, 'INVALID_INPUT')) {
        throw new CliError(
          'usage',
          error.code,
          `${firstLine(error.message)} Run \`lambda-mcp schema ${functionName} --examples\` for the input it accepts.`,
          { cause: error },
        );
      }
      throw await explainUnavailable(services, functionName, error, qualifier);
    }
  });
  const failed = result.functionError !== undefined;

  if (ctx.flags.json) {
    ctx.printJson(invocationToJson(result));
    if (failed) printFunctionError(ctx, result);
    return failed ? EXIT.FAILURE : EXIT.OK;
  }

  const { out, err } = ctx;
  const name = formatFunctionKey(result.functionName, result.qualifier);
  if (logs) {
    if (result.logs && result.logs.length > 0) {
      ctx.note(err.dim(`── log tail (${name}) ──`));
      for (const line of result.logs) ctx.note(colorLogLine(line, err));
      ctx.note(err.dim('──'));
    } else {
      ctx.note(err.dim('(no log lines returned)'));
    }
    if (result.report) ctx.note(formatReport(result.report, err));
  }
  if (invocationType === 'Event') {
    ctx.print(
      `${out.green('accepted')}: ${name} queued for asynchronous invocation (status ${result.statusCode}${
        result.requestId ? `, request id ${result.requestId}` : ''
      })`,
    );
    return EXIT.OK;
  }
  if (invocationType === 'DryRun') {
    ctx.print(
      `${out.green('dry run passed')}: ${name} can be invoked with this payload (status ${result.statusCode})`,
    );
    return EXIT.OK;
  }
  if (failed) {
    printFunctionError(ctx, result);
    return EXIT.FAILURE;
  }
  printPayload(ctx, result.payload);
  if (ctx.interactive && !logs) {
    const version = result.executedVersion ? ` · version ${result.executedVersion}` : '';
    ctx.note(err.dim(`${name} · ${formatMs(result.elapsedMs)}${version}`));
  }
  return EXIT.OK;
}

function printPayload(ctx: Context, payload: DecodedPayload): void {
  switch (payload.kind) {
    case 'empty':
      if (ctx.interactive) ctx.note(ctx.err.dim('(empty response)'));
      return;
    case 'json':
      ctx.print(formatJson(payload.value, ctx.out));
      return;
    case 'text':
      ctx.print(payload.text);
      return;
    case 'binary':
      ctx.note(ctx.err.dim(`binary response, ${payload.byteLength} bytes, base64:`));
      ctx.print(payload.base64);
      return;
  }
}

function printFunctionError(ctx: Context, result: InvocationResult): void {
  const fe = result.functionError;
  if (!fe) return;
  const { err } = ctx;
  const name = formatFunctionKey(result.functionName, result.qualifier);
  ctx.note(`${err.red(err.bold('function error:'))} ${name} failed (${fe.kind})`);
  ctx.note(`  ${err.bold(fe.errorType || 'Error')}: ${fe.errorMessage}`);
  const headline = `${fe.errorType}: ${fe.errorMessage}`;
  for (const line of fe.trace) {
    // Node traces start with the `Type: message` line already printed above.
    if (line.trim() === headline.trim()) continue;
    ctx.note(err.dim(`    ${line.trim()}`));
  }
}

export function colorLogLine(line: string, style: Style): string {
  if (/^(START|END) RequestId/.test(line)) return style.dim(line);
  if (/^REPORT RequestId/.test(line)) return style.cyan(line);
  if (/\b(ERROR|Error|Task timed out|Runtime exited)\b/.test(line)) return style.red(line);
  if (/\bWARN\b/.test(line)) return style.yellow(line);
  return line;
}
