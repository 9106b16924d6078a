import { describe, expect, it } from 'vitest';
import { isLambdaMcpError } from '../../src/errors.js';
import { compileFilterPattern } from '../../src/local/index.js';
import { statistic } from '../../src/local/records.js';

describe('filter patterns', () => {
  const lines = [
    'START RequestId: 1 Version: $LATEST\n',
    '2026-01-01T00:00:00.000Z\t1\tERROR\tInvoke Error \t{"errorType":"TypeError"}\n',
    '2026-01-01T00:00:00.000Z 1 Task timed out after 3.00 seconds\n',
    'REPORT RequestId: 1\tDuration: 1.00 ms\t\n',
  ];
  const match = (pattern: string | undefined) => lines.filter(compileFilterPattern(pattern)).length;

  it('matches everything without a pattern', () => {
    expect(match(undefined)).toBe(4);
    expect(match('   ')).toBe(4);
  });
  it('requires every plain term, case-sensitively', () => {
    expect(match('ERROR TypeError')).toBe(1);
    expect(match('report')).toBe(0);
    expect(match('REPORT')).toBe(1);
    expect(match('RequestId')).toBe(2);
  });
  it('treats a quoted phrase as one term', () => {
    expect(match('"Task timed out"')).toBe(1);
    expect(match('"timed Task"')).toBe(0);
    expect(match('"REPORT RequestId"')).toBe(1);
  });
  it('ORs ? terms', () => {
    expect(match('?ERROR ?"timed out"')).toBe(2);
    expect(match('?nothing ?here')).toBe(0);
  });
  it('excludes - terms', () => {
    expect(match('RequestId -REPORT')).toBe(1);
  });
  it('refuses JSON, space-delimited and regex patterns, and unclosed quotes', () => {
    for (const p of ['{ $.level = "ERROR" }', '[type=REPORT, ...]', '%ERR.R%', '"unclosed']) {
      let error: unknown;
      try {
        compileFilterPattern(p);
      } catch (e) {
        error = e;
      }
      expect(isLambdaMcpError(error) && error.code).toBe('INVALID_REQUEST');
    }
  });
});

describe('statistics', () => {
  const values = [5, 1, 4, 2, 3, 10, 6, 7, 9, 8];
  it('computes CloudWatch statistics', () => {
    expect(statistic('Sum', values)).toBe(55);
    expect(statistic('Average', values)).toBe(5.5);
    expect(statistic('Maximum', values)).toBe(10);
    expect(statistic('Minimum', values)).toBe(1);
    expect(statistic('SampleCount', values)).toBe(10);
  });
  it('computes nearest-rank percentiles', () => {
    expect(statistic('p50', values)).toBe(5);
    expect(statistic('p90', values)).toBe(9);
    expect(statistic('p99', values)).toBe(10);
    expect(statistic('p99.9', values)).toBe(10);
    expect(statistic('p100', values)).toBe(10);
    expect(statistic('p10', values)).toBe(1);
  });
  it('handles large samples without blowing the stack', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i);
    expect(statistic('Maximum', many)).toBe(299_999);
    expect(statistic('Minimum', many)).toBe(0);
  });
});
