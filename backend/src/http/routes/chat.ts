/**
 * The assistant over HTTP: the challenge's `POST /api/{user_id}/chat`, the same turn
 * streamed as Server-Sent Events for the web app (`POST /api/v1/chat/stream`), and the
 * user's conversations (list, read, rename, delete).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AssistantModelError, ENABLE_HINT, type ChatService } from '../../app/assistant/chat.js';
import { NotFoundError } from '../../app/errors.js';
import { requirePathUser, type Authenticate } from '../authenticate.js';
import { HttpProblem } from '../problem.js';
import { compatParams, errorResponses, problemResponse } from '../schemas.js';

const tags = ['assistant'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];

const chatBody = z
  .object({
    conversation_id: z.uuid().optional().describe('Continue this conversation; omit to start a new one'),
    message: z.string().trim().min(1).max(4000).describe("The user's message"),
  })
  .strict();
const toolCall = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  result: z.unknown(),
  is_error: z.boolean(),
  task_ids: z.array(z.number().int()).describe('Tasks the call touched'),
});
const chatResponse = z.object({ conversation_id: z.string(), response: z.string(), tool_calls: z.array(toolCall) });
const conversation = z.object({ id: z.string(), title: z.string(), created_at: z.string(), updated_at: z.string() });
const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  tool_calls: z.array(toolCall),
  created_at: z.string(),
});
const conversationParams = z.object({ id: z.uuid() }).strict();
const chatErrors = { ...errorResponses, 403: problemResponse, 502: problemResponse, 503: problemResponse };

export interface ChatRoutesOptions {
  chat: ChatService;
  authenticate: Authenticate;
  /** The model's name, shown by GET /api/v1/assistant. */
  model?: string | undefined;
}

function requireModel(chat: ChatService) {
  if (!chat.available()) throw new HttpProblem(503, 'Assistant not configured', ENABLE_HINT, { hint: ENABLE_HINT });
}

function modelFailed(err: unknown): never {
  if (err instanceof AssistantModelError) {
    throw new HttpProblem(502, 'Model unavailable', `The model endpoint did not answer: ${err.message}. Your message was kept.`);
  }
  throw err;
}

export async function chatRoutes(root: FastifyInstance, opts: ChatRoutesOptions) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { chat } = opts;
  // Authentication and the path's user before the body is read or validated (401, 403, then 400).
  app.addHook('onRequest', opts.authenticate);
  app.addHook('onRequest', requirePathUser);

  app.get(
    '/api/v1/assistant',
    {
      schema: {
        tags,
        security,
        summary: 'Whether the assistant is enabled, and how to enable it',
        response: { 200: z.object({ enabled: z.boolean(), model: z.string().nullable(), hint: z.string().nullable() }), ...errorResponses },
      },
    },
    async () => ({
      enabled: chat.available(),
      model: chat.available() ? (opts.model ?? null) : null,
      hint: chat.available() ? null : ENABLE_HINT,
    }),
  );

  app.post(
    '/api/:user_id/chat',
    {
      schema: {
        tags,
        security,
        summary: "Send a message to the assistant (the challenge's endpoint)",
        params: compatParams,
        body: chatBody,
        response: { 200: chatResponse, ...chatErrors },
      },
    },
    async (req) => {
      requireModel(chat);
      return chat.turn(req.userId, req.body).catch(modelFailed);
    },
  );

  app.post(
    '/api/v1/chat',
    {
      schema: {
        tags,
        security,
        summary: 'Send a message to the assistant',
        body: chatBody,
        response: { 200: chatResponse, ...chatErrors },
      },
    },
    async (req) => {
      requireModel(chat);
      return chat.turn(req.userId, req.body).catch(modelFailed);
    },
  );

  app.post(
    '/api/v1/chat/stream',
    {
      schema: {
        tags,
        security,
        summary: 'Send a message; the answer streams as Server-Sent Events',
        description:
          'Events: `conversation` {conversation_id}, `text` {delta}, `tool_call` {call}, then `done` {conversation_id, response, tool_calls} or `error` (a problem).',
        body: chatBody,
        response: { 200: z.string().describe('text/event-stream'), ...chatErrors },
      },
    },
    async (req, reply) => {
      requireModel(chat);
      if (req.body.conversation_id !== undefined && !(await chat.exists(req.userId, req.body.conversation_id)))
        throw new NotFoundError('conversation');
      const abort = new AbortController();
      const send = startStream(reply, req.id);
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      try {
        const result = await chat.turn(req.userId, req.body, { onEvent: (e) => send(e.type, e), signal: abort.signal });
        send('done', result);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        if (!(err instanceof AssistantModelError || err instanceof NotFoundError)) req.log.error({ err }, 'chat stream failed');
        send('error', {
          type: '/problems/model-unavailable',
          title: err instanceof AssistantModelError ? 'Model unavailable' : 'Chat failed',
          status: err instanceof AssistantModelError ? 502 : 500,
          detail,
        });
      }
      reply.raw.end();
    },
  );

  app.get(
    '/api/v1/conversations',
    {
      schema: {
        tags,
        security,
        summary: 'Your conversations, most recent first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: { 200: z.object({ items: z.array(conversation) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await chat.list(req.userId, req.query.limit) }),
  );

  app.get(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'A conversation with its messages',
        params: conversationParams,
        response: { 200: conversation.extend({ messages: z.array(message) }), ...errorResponses },
      },
    },
    async (req) => chat.get(req.userId, req.params.id),
  );

  app.patch(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename a conversation',
        params: conversationParams,
        body: z.object({ title: z.string().trim().min(1).max(200) }).strict(),
        response: { 200: conversation, ...errorResponses },
      },
    },
    async (req) => chat.rename(req.userId, req.params.id, req.body.title),
  );

  app.delete(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a conversation and its messages',
        params: conversationParams,
        response: { 204: z.null().describe('Deleted'), ...errorResponses },
      },
    },
    async (req, reply) => {
      await chat.remove(req.userId, req.params.id);
      return reply.status(204).send(null);
    },
  );
}

/** Takes over the response for Server-Sent Events; returns a function that sends one event. */
function startStream(reply: FastifyReply, requestId: string) {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  return (event: string, data: unknown) => {
    if (!reply.raw.writableEnded) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
