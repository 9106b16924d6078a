/**
 * The AWS backend with an early listing (src/aws/early-listing.ts): it takes the bin's pages instead
 * of reading them, and a page that failed is read again as one of its own would be.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsBackend } from '../../src/aws/aws-backend.js';
import type { EarlyListing, EarlyPage } from '../../src/aws/early-listing.js';
import { LEAN_USER_AGENT, LeanReadError, type LeanTarget } from '../../src/aws/lean-read.js';

let server: Server;
let url: string;
let seen: Array<{ path: string; userAgent: string }>;
beforeEach(async () => {
  seen = [];
  // Answers every request with a body that is not JSON.
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', userAgent: String(req.headers['user-agent'] ?? '') });
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('<not json>'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
});

/** An early listing that hands over `pages` (a function per marker) for any target. */
function earlyWith(page: (marker: string | undefined) => Promise<EarlyPage>) {
  const adopted: LeanTarget[] = [];
  const taken: Array<string | undefined> = [];
  const listing: EarlyListing = {
    started: true,
    firstRequestWritten: true,
    nextRequestWritten: async () => {},
    adopt(target) {
      adopted.push(target);
      return {
        take(marker) {
          taken.push(marker);
          return page(marker);
        },
        get taken() {
          return taken.length;
        },
      };
    },
    abandon() {},
  };
  return { listing, adopted, taken };
}

const options = (earlyListing: EarlyListing) => ({
  region: 'us-east-1',
  endpoint: url,
  credentials: { accessKeyId: 'AKIDEARLY', secretAccessKey: 'early-secret' },
  earlyListing,
});

describe('the AWS backend and the early listing', () => {
  it('takes the pages in order instead of reading them', async () => {
    const early = earlyWith(async (marker) =>
      marker === undefined
        ? {
            functions: [{ FunctionName: 'a', FunctionArn: 'arn:aws:lambda:us-east-1:1:function:a' }],
            nextMarker: 'm1',
          }
        : { functions: [{ FunctionName: 'b', FunctionArn: 'arn:aws:lambda:us-east-1:1:function:b' }] },
    );
    const backend = await createAwsBackend(options(early.listing));
    try {
      expect(early.adopted[0]?.endpoints.lambda.href).toBe(`${url}/`);
      const functions = await backend.listFunctions();
      expect(functions.map((f) => f.name)).toEqual(['a', 'b']);
      expect(early.taken).toEqual([undefined, 'm1']);
      expect(seen).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it("an early page that was not the API's answer turns lean reads off before the page is read again", async () => {
    const early = earlyWith(() => Promise.reject(new LeanReadError('the answer is not JSON', 'protocol')));
    const backend = await createAwsBackend(options(early.listing));
    try {
      await backend.listFunctions().catch(() => {});
      // Read again by the SDK only: no second lean read of the same (possibly huge) answer.
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((r) => r.userAgent === LEAN_USER_AGENT)).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('an early page that failed otherwise (a throttle) is read again by the lean reader, as its own would be', async () => {
    const early = earlyWith(() =>
      Promise.reject(new LeanReadError('HTTP 429', 'http', 429, 'TooManyRequestsException')),
    );
    const backend = await createAwsBackend(options(early.listing));
    try {
      await backend.listFunctions().catch(() => {});
      expect(seen[0]?.userAgent).toBe(LEAN_USER_AGENT);
    } finally {
      await backend.close();
    }
  });
});
