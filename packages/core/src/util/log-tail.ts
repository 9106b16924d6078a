const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes Lambda's `X-Amz-Log-Result` (base64 of the last 4 KB of the execution log) into lines.
 * The first line may be cut, as Lambda cuts it. A value that is not base64 is returned as text.
 */
export function decodeLogTail(logResult: string | undefined): string[] {
  if (!logResult) return [];
  const compact = logResult.replace(/\s+/g, '');
  const text =
    compact.length % 4 === 0 && BASE64.test(compact)
      ? Buffer.from(compact, 'base64').toString('utf8')
      : logResult;
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
