/**
 * Ports of the assistant: where conversations live (the embedded database, or the Dapr
 * state store in the distributed mode), personal access tokens, and the agent that
 * answers a message.
 */

export interface Conversation {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
}

/** One tool call the agent made while answering, as stored and returned to clients. */
export interface ToolCallRecord {
  name: string;
  arguments: Record<string, unknown>;
  /** The tool's result (its structured content when it has one), or its error text. */
  result: unknown;
  is_error: boolean;
  /** Tasks the call touched, for links in clients. */
  task_ids: number[];
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  tool_calls: ToolCallRecord[];
  created_at: string;
}

/** Conversations and their messages, always scoped to one owner. */
export interface ConversationStore {
  create(userId: string, c: { id: string; title: string; at: string }): Promise<Conversation>;
  get(userId: string, id: string): Promise<Conversation | null>;
  /** Most recently active first. */
  list(userId: string, limit: number): Promise<Conversation[]>;
  rename(userId: string, id: string, title: string): Promise<Conversation | null>;
  remove(userId: string, id: string): Promise<boolean>;
  /** The last `limit` messages, oldest first. Null when the conversation is not the user's. */
  messages(userId: string, id: string, limit: number): Promise<ChatMessage[] | null>;
  /** Appends messages and marks the conversation active; false when it is not the user's. */
  append(userId: string, id: string, messages: ChatMessage[]): Promise<boolean>;
}

export interface PersonalAccessToken {
  id: number;
  name: string;
  /** The first characters of the token, to tell tokens apart in a list. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export interface PersonalAccessTokenStore {
  create(userId: string, t: { name: string; tokenHash: string; prefix: string }): Promise<PersonalAccessToken>;
  list(userId: string): Promise<PersonalAccessToken[]>;
  /** True when a live token of the user was revoked. */
  revoke(userId: string, id: number): Promise<boolean>;
  /** The owner of a live token with this hash (and notes its use), or null. */
  owner(tokenHash: string): Promise<string | null>;
}

/** What the agent streams while it works. */
export type AgentEvent = { type: 'text'; delta: string } | { type: 'tool_call'; call: ToolCallRecord };

export interface AgentTurn {
  userId: string;
  /** A short-lived bearer token for the user: the agent reaches the task tools with it. */
  token: string;
  history: ChatMessage[];
  message: string;
  onEvent?: (event: AgentEvent) => void;
  signal?: AbortSignal;
}

/** Runs the model with the task tools for one message. */
export interface ChatAgent {
  run(turn: AgentTurn): Promise<{ response: string; tool_calls: ToolCallRecord[] }>;
}
