/**
 * The assistant's routes, served wherever the api module runs: personal access tokens,
 * the MCP server, the chat agent and the chat endpoints. Where conversations live comes
 * from the platform (the embedded database, or the Dapr state store).
 */
import type { FastifyPluginAsync } from 'fastify';
import { generatePersonalToken } from '../adapters/auth/personal-tokens.js';
import { createOpenAiAgent } from '../adapters/openai/agent.js';
import { createPersonalAccessTokenStore } from '../adapters/postgres/assistant.js';
import { createChatService } from '../app/assistant/chat.js';
import type { TaskService } from '../app/tasks.js';
import type { Authenticate } from '../http/authenticate.js';
import { accessTokenRoutes } from '../http/routes/access-tokens.js';
import { chatRoutes } from '../http/routes/chat.js';
import { mcpRoutes } from '../http/routes/mcp.js';
import type { ChatAgent, ConversationStore } from '../ports/conversations.js';
import type { PreferencesStore } from '../ports/index.js';
import type { Core } from './core.js';

export interface AssistantParts {
  authenticate: Authenticate;
  /** Signs a short-lived bearer token for a user. */
  mintToken: (userId: string) => Promise<string>;
  tasks: TaskService;
  preferences: PreferencesStore;
  conversations: ConversationStore;
}

/** The agent for the configured model, or null when none is configured. */
export function configuredAgent(core: Core, mcpUrl: () => string): ChatAgent | null {
  const { config } = core;
  if (!config.LLM_MODEL) return null;
  return createOpenAiAgent({
    baseUrl: config.LLM_BASE_URL,
    apiKey: config.LLM_API_KEY,
    model: config.LLM_MODEL,
    api: config.LLM_API ?? (config.LLM_BASE_URL ? 'chat_completions' : 'responses'),
    mcpUrl,
    timeoutMs: config.LLM_TIMEOUT_MS,
  });
}

/**
 * A user's assistant token is reused until a minute before it expires: signing one reads
 * and decrypts the signing key, which costs more than the rest of a chat turn's setup.
 */
export function reusedWhileFresh(mint: (userId: string) => Promise<string>, now = () => Date.now()) {
  const tokens = new Map<string, { token: string; until: number }>();
  return async (userId: string) => {
    const hit = tokens.get(userId);
    if (hit && hit.until > now()) return hit.token;
    const token = await mint(userId);
    const exp = Number((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp);
    if (tokens.size >= 10_000) tokens.delete(tokens.keys().next().value!);
    if (Number.isFinite(exp)) tokens.set(userId, { token, until: exp * 1000 - 60_000 });
    return token;
  };
}

export function assistantRoutes(core: Core, p: AssistantParts): Array<[FastifyPluginAsync<never>, unknown]> {
  const { config, clock } = core;
  let server: { address(): unknown } | undefined;
  const listeningPort = () => {
    const address = server?.address();
    return address && typeof address === 'object' && 'port' in address ? Number(address.port) : config.port;
  };
  // The agent reaches this very server's /mcp (loopback), unless KAIROS_MCP_URL says otherwise.
  const mcpUrl = () => config.KAIROS_MCP_URL ?? `http://127.0.0.1:${listeningPort()}/mcp`;
  const chat = createChatService({
    conversations: p.conversations,
    agent: configuredAgent(core, mcpUrl),
    mintToken: reusedWhileFresh(p.mintToken),
    clock,
  });
  const portOf: FastifyPluginAsync = async (app) => {
    server = app.server;
  };
  return [
    [portOf, {}],
    [
      accessTokenRoutes,
      { tokens: createPersonalAccessTokenStore(core.database.db), authenticate: p.authenticate, generate: generatePersonalToken },
    ],
    [mcpRoutes, { tasks: p.tasks, clock, preferences: p.preferences, authenticate: p.authenticate }],
    [chatRoutes, { chat, authenticate: p.authenticate, model: config.LLM_MODEL }],
  ];
}
