/**
 * A chat turn. The server keeps no state between requests: the conversation's recent
 * history is loaded, the user's message stored, the agent run (it reaches the task tools
 * over MCP with a short-lived token for the user), and the reply stored.
 */
import { randomUUID } from 'node:crypto';
import type { AgentEvent, ChatAgent, ChatMessage, ConversationStore, ToolCallRecord } from '../../ports/conversations.js';
import type { Clock } from '../../ports/index.js';
import { NotFoundError } from '../errors.js';

/** No model is configured: the product runs, the assistant answers 503 with this hint. */
export class AssistantUnavailableError extends Error {}

/** The model endpoint failed (unreachable, refused, timed out); the user's message is kept. */
export class AssistantModelError extends Error {}

export const ENABLE_HINT =
  'The assistant needs a model: set LLM_MODEL and LLM_API_KEY (and LLM_BASE_URL for any OpenAI-compatible endpoint other than OpenAI), then restart.';

/** Messages of history given to the model with each new message. */
export const HISTORY_LIMIT = 40;
const TITLE_MAX = 80;

export interface ChatServiceDeps {
  conversations: ConversationStore;
  /** Null when no model is configured. */
  agent: ChatAgent | null;
  /** A short-lived bearer token for the user, for the agent's MCP connection. */
  mintToken: (userId: string) => Promise<string>;
  clock: Clock;
}

export interface ChatTurnResult {
  conversation_id: string;
  response: string;
  tool_calls: ToolCallRecord[];
}

export type ChatService = ReturnType<typeof createChatService>;

export function titleFrom(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length <= TITLE_MAX ? line : `${line.slice(0, TITLE_MAX - 1).trimEnd()}…`;
}

export function createChatService({ conversations, agent, mintToken, clock }: ChatServiceDeps) {
  return {
    available: () => agent !== null,

    async turn(
      userId: string,
      input: { conversation_id?: string | undefined; message: string },
      opts: { onEvent?: (e: AgentEvent | { type: 'conversation'; conversation_id: string }) => void; signal?: AbortSignal } = {},
    ): Promise<ChatTurnResult> {
      if (!agent) throw new AssistantUnavailableError(ENABLE_HINT);
      let conversationId = input.conversation_id;
      let history: ChatMessage[];
      if (conversationId === undefined) {
        conversationId = randomUUID();
        await conversations.create(userId, { id: conversationId, title: titleFrom(input.message), at: clock.now().toISOString() });
        history = [];
      } else {
        const found = await conversations.messages(userId, conversationId, HISTORY_LIMIT);
        if (found === null) throw new NotFoundError('conversation');
        history = found;
      }
      opts.onEvent?.({ type: 'conversation', conversation_id: conversationId });
      const userMessage: ChatMessage = { role: 'user', content: input.message, tool_calls: [], created_at: clock.now().toISOString() };
      await conversations.append(userId, conversationId, [userMessage]);

      const token = await mintToken(userId);
      let result: Awaited<ReturnType<ChatAgent['run']>>;
      try {
        result = await agent.run({
          userId,
          token,
          history,
          message: input.message,
          ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
      } catch (err) {
        throw new AssistantModelError((err as Error).message);
      }
      const reply: ChatMessage = {
        role: 'assistant',
        content: result.response,
        tool_calls: result.tool_calls,
        created_at: clock.now().toISOString(),
      };
      await conversations.append(userId, conversationId, [reply]);
      return { conversation_id: conversationId, response: result.response, tool_calls: result.tool_calls };
    },

    exists: async (userId: string, id: string) => (await conversations.get(userId, id)) !== null,

    list: (userId: string, limit = 50) => conversations.list(userId, limit),

    async get(userId: string, id: string, limit = 200) {
      const conversation = await conversations.get(userId, id);
      if (!conversation) throw new NotFoundError('conversation');
      return { ...conversation, messages: (await conversations.messages(userId, id, limit)) ?? [] };
    },

    async rename(userId: string, id: string, title: string) {
      const renamed = await conversations.rename(userId, id, title);
      if (!renamed) throw new NotFoundError('conversation');
      return renamed;
    },

    async remove(userId: string, id: string) {
      if (!(await conversations.remove(userId, id))) throw new NotFoundError('conversation');
    },
  };
}
