/**
 * The only module that knows the MCP SDK (1.32.x, low-level `Server`). Everything else — tool
 * catalog, names, schemas, handlers, result shaping — is SDK-independent, so a move to SDK v2
 * rewrites this file only.
 */
import { type Logger, type Services, silentLogger, toLambdaMcpError } from '@lambda-mcp/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  type ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator as JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  createToolCatalog,
  type RefreshResult,
  type ToolCatalog,
  type ToolCatalogOptions,
} from './catalog.js';
import { isUnknownToolError } from './errors.js';
import { buildInstructions } from './instructions.js';
import type { FunctionAuthorizer, ToolCallContext, ToolCallEvent } from './types.js';
import { SERVER_NAME, VERSION } from './version.js';

export interface LambdaMcpServerOptions extends ToolCatalogOptions {
  /** serverInfo.name (default `lambda-mcp`). */
  name?: string;
  /** serverInfo.version (default this package's version). */
  version?: string;
  /** Text appended to the generated instructions. */
  extraInstructions?: string;
}

export interface CreateServerOptions {
  /** Function-level authorization for everything this server instance answers. */
  authorize?: FunctionAuthorizer;
  /** One event per tool call (audit), without payloads. */
  onToolCall?: (event: ToolCallEvent) => void;
  /**
   * Whether to advertise `tools.listChanged` (default true). Transports that cannot deliver the
   * notification (stateless HTTP, the Lambda Function URL) pass false.
   */
  listChanged?: boolean;
}

export interface LambdaMcpServer {
  /** A new SDK `Server` (one per stdio process, HTTP session or stateless request), sharing the catalog. */
  createServer(options?: CreateServerOptions): Server;
  readonly catalog: ToolCatalog;
  /** Settles when the first catalog build finished. */
  readonly ready: Promise<void>;
  /** Refreshes discovery now; connected clients get list_changed only if the tool list changed. */
  refresh(options?: { signal?: AbortSignal }): Promise<RefreshResult>;
  /** How many created servers are connected now. */
  connectedServers(): number;
  /** Closes every connected server and stops refresh timers. Does not close the services. */
  close(): Promise<void>;
}

/**
 * Builds the MCP server from the services. The services stay the caller's: `close()` here
 * closes the MCP servers, not the backend.
 */
export function createLambdaMcpServer(
  services: Services,
  options: LambdaMcpServerOptions = {},
): LambdaMcpServer {
  const logger: Logger = (options.logger ?? services.logger ?? silentLogger).child({
    component: 'mcp-server',
  });
  const catalog = createToolCatalog(services, { ...options, logger: options.logger ?? services.logger });
  const connected = new Set<TrackedServer>();

  const ignoreNotConnected = (what: string) => (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (!/not connected/i.test(message)) logger.warn(`Could not send ${what}`, { error: message });
  };
  const unsubscribe = catalog.onToolsChanged(() => {
    for (const server of [...connected]) {
      if (!server.transport) {
        connected.delete(server);
        continue;
      }
      // Only a caller whose own tool list changed hears of it, with its own count.
      const authorize = server.authorize ? { authorize: server.authorize } : {};
      const fingerprint = catalog.fingerprint(authorize);
      if (fingerprint === server.seenFingerprint) continue;
      server.seenFingerprint = fingerprint;
      const status = catalog.status(authorize);
      server.sendToolListChanged().catch(ignoreNotConnected('tools/list_changed'));
      // Also a log notification (filtered by the client's logging/setLevel), saying why.
      server
        .sendLoggingMessage({
          level: status.discoveryError ? 'warning' : 'info',
          logger: 'lambda-mcp',
          data: {
            message: 'The tool list changed.',
            functions: status.functionCount,
            ...(status.discoveryError ? { discoveryError: status.discoveryError } : {}),
          },
        })
        .catch(ignoreNotConnected('a log notification'));
    }
  });

  function createServer(serverOptions: CreateServerOptions = {}): Server {
    const { authorize, onToolCall } = serverOptions;
    const instructions = () =>
      [
        buildInstructions(catalog.status(authorize ? { authorize } : {}), {
          maxResultBytes: catalog.options.maxResultBytes,
        }),
        options.extraInstructions,
      ]
        .filter(Boolean)
        .join('\n\n');
    const make = (withInstructions: boolean) =>
      new TrackedServer(
        { name: options.name ?? SERVER_NAME, version: options.version ?? VERSION },
        {
          capabilities: { tools: { listChanged: serverOptions.listChanged ?? true }, logging: {} },
          ...(withInstructions ? { instructions: instructions() } : {}),
          jsonSchemaValidator: sharedValidator,
        },
        connected,
        authorize,
        catalog.fingerprint(authorize ? { authorize } : {}),
      );
    // The instructions are built when initialize asks for them, not for every Server (one per
    // stateless request, most of which are tools/call).
    let server = make(false);
    if (!answerInitializeWithCurrentInstructions(server, instructions)) server = make(true);

    server.setRequestHandler(ListToolsRequestSchema, async (request): Promise<ListToolsResult> => {
      // Every tool comes in one page and no cursor is ever issued, so any cursor is invalid (the
      // spec: an invalid cursor SHOULD get -32602).
      if (request.params?.cursor !== undefined) {
        throw jsonRpcError(
          ErrorCode.InvalidParams,
          'Invalid cursor: this server lists every tool in one page.',
        );
      }
      const tools = await catalog.listTools(authorize ? { authorize } : {});
      return { tools: tools as ListToolsResult['tools'] };
    });

    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
      const { name, arguments: args } = request.params;
      const progressToken = request.params._meta?.progressToken;
      const context: ToolCallContext = {
        signal: extra.signal,
        requestId: extra.requestId,
        ...(authorize ? { authorize } : {}),
        ...(onToolCall ? { onToolCall } : {}),
        ...(progressToken !== undefined
          ? {
              reportProgress: (update) =>
                extra.sendNotification({
                  method: 'notifications/progress',
                  params: { progressToken, ...update },
                }),
            }
          : {}),
      };
      try {
        const result = await catalog.callTool(name, args ?? {}, context);
        return result as CallToolResult;
      } catch (error) {
        if (isUnknownToolError(error)) throw jsonRpcError(ErrorCode.InvalidParams, error.message);
        logger.error('tools/call failed unexpectedly', {
          tool: name,
          error: toLambdaMcpError(error).message,
        });
        throw jsonRpcError(ErrorCode.InternalError, 'Internal error while calling the tool.');
      }
    });

    return server;
  }

  return {
    createServer,
    catalog,
    ready: catalog.ready,
    refresh: (o) => catalog.refresh(o),
    connectedServers: () => {
      for (const s of connected) if (!s.transport) connected.delete(s);
      return connected.size;
    },
    async close() {
      unsubscribe();
      catalog.close();
      const servers = [...connected];
      connected.clear();
      await Promise.allSettled(servers.map((s) => s.close()));
    },
  };
}

/**
 * The SDK's Server builds a new Ajv (with formats) per instance unless given a validator; that is
 * ~0.3 ms per Server, paid per request in stateless HTTP. This server validates tool arguments with
 * the core SchemaService, so the SDK's validator (used for elicitation answers) is created lazily
 * and shared.
 */
let sdkValidator: AjvJsonSchemaValidator | undefined;
const sharedValidator: JsonSchemaValidator = {
  getValidator(schema) {
    sdkValidator ??= new AjvJsonSchemaValidator();
    return sdkValidator.getValidator(schema);
  },
};

/**
 * An error the SDK turns into a JSON-RPC error with this code and message. (McpError would work
 * too, but its message carries an "MCP error -32602:" prefix that clients then print twice.)
 */
function jsonRpcError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}

/** A `Server` that joins the broadcast set while connected (so list_changed reaches it). */
class TrackedServer extends Server {
  readonly #registry: Set<TrackedServer>;
  /** This caller's authorization (its view of the catalog). */
  readonly authorize: FunctionAuthorizer | undefined;
  /** The fingerprint of this caller's tool list when it was last told about it. */
  seenFingerprint: string;

  constructor(
    info: ConstructorParameters<typeof Server>[0],
    options: ConstructorParameters<typeof Server>[1],
    registry: Set<TrackedServer>,
    authorize: FunctionAuthorizer | undefined,
    seenFingerprint: string,
  ) {
    super(info, options);
    this.#registry = registry;
    this.authorize = authorize;
    this.seenFingerprint = seenFingerprint;
  }

  override async connect(transport: Transport): Promise<void> {
    answerBadParamsWithInvalidParams(this);
    await super.connect(transport);
    this.#registry.add(this);
    const previous = transport.onclose;
    transport.onclose = () => {
      this.#registry.delete(this);
      previous?.();
    };
  }
}

type RequestHandlerMap = Map<string, (request: unknown, extra: unknown) => Promise<unknown>>;

/**
 * `initialize` is answered at once, without waiting for discovery (tools/list waits for the first
 * catalog instead). The instructions describe the catalog as it is when `initialize` arrives, not
 * when the Server object was made: the SDK reads `_instructions` while answering initialize, so it
 * becomes a getter. False when a later SDK has no such field: the caller then gives the
 * instructions at construction.
 */
function answerInitializeWithCurrentInstructions(server: Server, build: () => string): boolean {
  if (!Object.hasOwn(server, '_instructions')) return false;
  Object.defineProperty(server, '_instructions', { get: build, set: () => {}, configurable: true });
  return true;
}

/**
 * The SDK parses each request's params with its zod schema before calling a handler, and a parse
 * failure escapes as a plain error, which becomes -32603 (internal error). Bad params are the
 * caller's mistake: answer them with -32602 (invalid params) naming what was wrong. This reaches
 * into the SDK's handler map, so it lives here, in the one file that knows the SDK.
 */
function answerBadParamsWithInvalidParams(server: Server): void {
  const handlers = (server as unknown as { _requestHandlers?: RequestHandlerMap })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  for (const [method, handler] of handlers) {
    if ((handler as { invalidParamsWrapped?: boolean }).invalidParamsWrapped) continue;
    const wrapped = async (request: unknown, extra: unknown) => {
      try {
        return await handler(request, extra);
      } catch (error) {
        const issues = (error as { issues?: Array<{ path?: PropertyKey[]; message?: string }> } | null)
          ?.issues;
        if (error instanceof Error && /^\$?ZodError$/.test(error.name) && Array.isArray(issues)) {
          const where = issues
            .slice(0, 5)
            .map((i) => `${(i.path ?? []).map(String).join('.') || 'params'}: ${i.message ?? 'invalid'}`)
            .join('; ');
          throw jsonRpcError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${where}`);
        }
        throw error;
      }
    };
    Object.assign(wrapped, { invalidParamsWrapped: true });
    handlers.set(method, wrapped);
  }
}
