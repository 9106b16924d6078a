import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  type CreateServerOptions,
  createLambdaMcpServer,
  type LambdaMcpServer,
  type LambdaMcpServerOptions,
} from '../../src/index.js';
import type { InMemoryServices } from './services.js';

export interface Connected {
  client: Client;
  listChanged: { count: number };
  logs: unknown[];
  close(): Promise<void>;
}

export async function connect(
  lambda: LambdaMcpServer,
  options: CreateServerOptions = {},
): Promise<Connected> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const server = lambda.createServer(options);
  await server.connect(serverTransport);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const listChanged = { count: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged.count += 1;
  });
  const logs: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params);
  });
  await client.connect(clientTransport);
  return {
    client,
    listChanged,
    logs,
    async close() {
      await client.close();
    },
  };
}

export async function setup(
  services: InMemoryServices,
  options: LambdaMcpServerOptions = {},
  serverOptions: CreateServerOptions = {},
): Promise<Connected & { lambda: LambdaMcpServer }> {
  const lambda = createLambdaMcpServer(services, options);
  await lambda.ready;
  const c = await connect(lambda, serverOptions);
  return {
    ...c,
    lambda,
    async close() {
      await c.close();
      await lambda.close();
      await services.close();
    },
  };
}

export { waitFor } from '../../../../tests/shared/wait-and-log.js';

export function text(result: object): string {
  const content = ((result as { content?: unknown }).content ?? []) as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('\n');
}
