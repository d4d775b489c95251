/**
 * The MCP server at /mcp: Streamable HTTP, stateless (a fresh server and transport per
 * request, no session id), JSON responses. The bearer token — a Better Auth JWT or a
 * personal access token — is the caller; without one the answer is 401.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import { traceparentOf } from '../../observability/tracing.js';
import type { Authenticate } from '../authenticate.js';
import { createTaskToolServer, renderToolList, type TaskToolDeps } from '../mcp/task-tools.js';

export interface McpRoutesOptions extends Omit<TaskToolDeps, 'traceparent'> {
  authenticate: Authenticate;
}

const notAllowed = {
  jsonrpc: '2.0',
  error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; POST JSON-RPC messages to /mcp.' },
  id: null,
};

export async function mcpRoutes(app: FastifyInstance, opts: McpRoutesOptions) {
  const { authenticate, ...deps } = opts;
  const toolList = await renderToolList(deps);

  app.post('/mcp', { preHandler: authenticate, schema: { hide: true } }, async (req, reply) => {
    const server = createTaskToolServer(req.userId, { ...deps, traceparent: () => traceparentOf() }, toolList);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.setHeader('x-request-id', req.id);
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });

  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      schema: { hide: true },
      preHandler: authenticate,
      handler: async (_req, reply) => reply.status(405).header('allow', 'POST').send(notAllowed),
    });
  }
}
