import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLogTail } from '../../src/util/log-tail.js';
import { findReport, parseReportLine } from '../../src/util/report-line.js';

const fixture = JSON.parse(
  readFileSync(`${process.env.AWS_FIXTURES_DIR}/lambda-invoke.json`, 'utf8'),
) as Record<string, { 'recorded-content': Record<string, unknown> }>;

describe('parseReportLine (Text format)', () => {
  it('parses the real REPORT lines recorded from AWS, with and without Init Duration', () => {
    const events = fixture[
      'tests/aws/services/lambda_/test_lambda.py::TestLambdaFeatures::test_invocation_type_event_error'
    ]?.['recorded-content'].log_events as { message: string }[];
    const reports = events.map((e) => parseReportLine(e.message)).filter((r) => r !== undefined);
    expect(reports).toEqual([
      {
        requestId: '<request-id>',
        durationMs: 3.01,
        billedDurationMs: 4,
        memorySizeMb: 128,
        maxMemoryUsedMb: 36,
        initDurationMs: 110.1,
      },
      {
        requestId: '<request-id>',
        durationMs: 2.9,
        billedDurationMs: 3,
        memorySizeMb: 128,
        maxMemoryUsedMb: 36,
      },
    ]);
  });

  it('parses the status and error type that newer failures append', () => {
    const line =
      'REPORT RequestId: 6f0d3c4e-1b9c-4b55-9d55-0a4a1c1e2f3a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: error\tError Type: Runtime.ExitError\t';
    expect(parseReportLine(line)).toMatchObject({
      durationMs: 3000,
      billedDurationMs: 3000,
      status: 'error',
      errorType: 'Runtime.ExitError',
    });
    expect(
      parseReportLine(line.replace('Status: error\tError Type: Runtime.ExitError\t', 'Status: timeout'))
        ?.status,
    ).toBe('timeout');
  });

  it('ignores the XRAY fields and other lines', () => {
    const line =
      'REPORT RequestId: r\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 50 MB\t\nXRAY TraceId: 1-abc\tSegmentId: d\tSampled: true\t';
    expect(parseReportLine(line)?.memorySizeMb).toBe(256);
    expect(parseReportLine('START RequestId: r Version: $LATEST')).toBeUndefined();
    expect(parseReportLine('REPORT RequestId: r\tno figures')).toBeUndefined();
  });
});

describe('parseReportLine (JSON format)', () => {
  it('parses a platform.report record', () => {
    const line = JSON.stringify({
      time: '2025-01-01T00:00:00.000Z',
      type: 'platform.report',
      record: {
        requestId: 'abc',
        metrics: {
          durationMs: 12.68,
          billedDurationMs: 309,
          memorySizeMB: 128,
          maxMemoryUsedMB: 70,
          initDurationMs: 295.33,
        },
        status: 'success',
      },
    });
    expect(parseReportLine(line)).toEqual({
      requestId: 'abc',
      durationMs: 12.68,
      billedDurationMs: 309,
      memorySizeMb: 128,
      maxMemoryUsedMb: 70,
      initDurationMs: 295.33,
    });
  });
  it('keeps a failure status and error type', () => {
    const line = JSON.stringify({
      type: 'platform.report',
      record: {
        requestId: 'x',
        metrics: { durationMs: 1000, billedDurationMs: 1000, memorySizeMB: 128, maxMemoryUsedMB: 1 },
        status: 'timeout',
        errorType: 'Sandbox.Timedout',
      },
    });
    expect(parseReportLine(line)).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timedout' });
  });
  it('ignores other JSON records and broken JSON', () => {
    expect(parseReportLine('{"type":"platform.start","record":{}}')).toBeUndefined();
    expect(parseReportLine('{not json')).toBeUndefined();
  });
});

describe('decodeLogTail and findReport', () => {
  it('decodes a base64 tail into lines and finds the last REPORT', () => {
    const text =
      'START RequestId: r1 Version: $LATEST\n2025-01-01T00:00:00.000Z\tr1\tINFO\thello\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n';
    const lines = decodeLogTail(Buffer.from(text).toString('base64'));
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('2025-01-01T00:00:00.000Z\tr1\tINFO\thello');
    expect(findReport(lines)).toMatchObject({ requestId: 'r1', initDurationMs: 110.1 });
  });
  it('returns no lines for an absent tail and keeps non-base64 text readable', () => {
    expect(decodeLogTail(undefined)).toEqual([]);
    expect(decodeLogTail('not base64!')).toEqual(['not base64!']);
  });
});
