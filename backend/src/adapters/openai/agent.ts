/**
 * The chat agent: the OpenAI Agents SDK, any OpenAI-compatible endpoint, and Kairos's
 * own MCP server reached over HTTP with the user's token — so the model can only do what
 * the user may do, through the same use cases as the REST API.
 *
 * `LLM_API=chat_completions` (the default whenever LLM_BASE_URL is set) speaks the Chat
 * Completions API that most providers and local servers implement; `responses` speaks
 * OpenAI's Responses API. The SDK's trace export to OpenAI is switched off: traces are
 * the project's own (OpenTelemetry).
 */
import {
  Agent,
  assistant,
  MCPServerStreamableHttp,
  OpenAIChatCompletionsModel,
  OpenAIResponsesModel,
  run,
  setTracingDisabled,
  user,
  type AgentInputItem,
  type Model,
  type RunItem,
} from '@openai/agents';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import OpenAI from 'openai';
import type { AgentTurn, ChatAgent, ToolCallRecord } from '../../ports/conversations.js';

export interface AgentConfig {
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  model: string;
  api: 'chat_completions' | 'responses';
  /** The MCP endpoint; a function because the listening port may be known only after start. */
  mcpUrl: () => string;
  /** Model turns per message (each tool round trip is one). */
  maxTurns?: number;
  timeoutMs?: number;
}

export const AGENT_INSTRUCTIONS = `You are Kairos, the assistant of a task manager. You manage the user's tasks with the tools; you never invent tasks, ids or results.
- Act for the signed-in user only. Never pass a user_id you were not given by a tool; leave user_id out.
- To change or delete a task the user names in words ("the meeting task"), first find it with list_tasks or search_tasks, then use its id. If several tasks match, ask which one.
- If no task matches, say clearly that the task was not found; do not create or change anything else instead.
- Ask for confirmation before deleting more than one task, and delete nothing in that turn.
- For new tasks with a date, time, repetition, tags, priority or reminder in the user's words, use quick_add_task with the user's words; otherwise add_task.
- After every change, confirm in one short sentence what you did, naming the task (e.g. "Added 'Buy groceries' (task 5).").
- Answer in the language the user writes in. Keep answers short; list tasks as a compact list.`;

/** Tasks a tool call touched: the task it names and the task its result names. */
export function touchedTaskIds(args: Record<string, unknown>, result: unknown): number[] {
  const ids = new Set<number>();
  if (typeof args.task_id === 'number') ids.add(args.task_id);
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const r = result as Record<string, unknown>;
    if (typeof r.task_id === 'number') ids.add(r.task_id);
    else if (typeof r.id === 'number') ids.add(r.id);
  }
  return [...ids];
}

/** The text of a tool's output item: MCP text content, or a plain string. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.map(outputText).join('');
  if (output && typeof output === 'object' && 'text' in output) return String((output as { text: unknown }).text);
  return JSON.stringify(output ?? null);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * The MCP client compiles every tool's output schema (AJV) each time it lists tools, and
 * the agent lists them once per turn: ~60 ms of CPU per turn for the same 16 schemas.
 * Compiled validators are pure functions of the schema, so they are shared process-wide,
 * keyed by the schema's JSON (bounded: the tool list is fixed).
 */
function shareCompiledValidators() {
  const proto = AjvJsonSchemaValidator.prototype as { getValidator: (schema: unknown) => unknown; __shared?: true };
  if (proto.__shared) return;
  const original = proto.getValidator;
  const compiled = new Map<string, unknown>();
  proto.getValidator = function (this: unknown, schema: unknown) {
    const key = JSON.stringify(schema);
    let validator = compiled.get(key);
    if (validator === undefined) {
      validator = original.call(this, schema);
      if (compiled.size < 256) compiled.set(key, validator);
    }
    return validator;
  };
  proto.__shared = true;
}

/** The `exp` (seconds) of a JWT, or undefined for any other token. */
function expiryOf(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * MCP clients, one per bearer token, connected once and reused by every turn that carries
 * the token (the chat service reuses a user's token until a minute before it expires). A
 * turn then costs one HTTP request per tool call instead of also `initialize` and
 * `notifications/initialized` each time. The server is stateless, so a reused client
 * needs nothing from an earlier request. A client is closed once its token has expired
 * and no turn uses it, or when it is the least recently used of more than `MAX_IDLE`
 * idle ones. A token that is not a JWT (no expiry to go by) gets a client per turn.
 */
const MAX_IDLE = 1000;
function mcpClients(cfg: AgentConfig) {
  interface Entry {
    server: MCPServerStreamableHttp;
    connected: Promise<void>;
    expiresAt: number;
    users: number;
  }
  const entries = new Map<string, Entry>();
  const timeoutMs = cfg.timeoutMs ?? 60_000;
  const open = (token: string) =>
    new MCPServerStreamableHttp({
      url: cfg.mcpUrl(),
      name: 'kairos',
      // The tool list is fetched once and reused by the client's turns.
      cacheToolsList: true,
      // The tools are this server's own; a busy server may take longer than the SDK's default 5 s.
      clientSessionTimeoutSeconds: Math.ceil(timeoutMs / 1000),
      timeout: timeoutMs,
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
  const close = (token: string, entry: Entry) => {
    entries.delete(token);
    void entry.server.close().catch(() => {});
  };
  const sweep = (now: number) => {
    let idle = 0;
    for (const [token, entry] of entries) {
      if (entry.users > 0) continue;
      if (entry.expiresAt <= now) close(token, entry);
      else idle++;
    }
    // Map order is insertion order; a reused entry is re-inserted, so the first ones are the least recently used.
    for (const [token, entry] of entries) {
      if (idle <= MAX_IDLE) break;
      if (entry.users === 0) {
        close(token, entry);
        idle--;
      }
    }
  };

  return {
    async acquire(token: string): Promise<{ server: MCPServerStreamableHttp; release: () => Promise<void> }> {
      const now = Date.now();
      const exp = expiryOf(token);
      if (exp === undefined || exp * 1000 <= now) {
        const server = open(token);
        await server.connect();
        return { server, release: () => server.close() };
      }
      let entry = entries.get(token);
      if (entry) entries.delete(token);
      else {
        const server = open(token);
        entry = { server, connected: server.connect(), expiresAt: exp * 1000, users: 0 };
      }
      entries.set(token, entry);
      entry.users++;
      const current = entry;
      const release = async () => {
        current.users--;
        sweep(Date.now());
      };
      try {
        await current.connected;
      } catch (err) {
        // a failed connection is not kept: the next turn tries again
        if (entries.get(token) === current) entries.delete(token);
        current.users--;
        void current.server.close().catch(() => {});
        throw err;
      }
      return { server: current.server, release };
    },
  };
}

export function createOpenAiAgent(cfg: AgentConfig): ChatAgent {
  setTracingDisabled(true);
  shareCompiledValidators();
  const client = new OpenAI({
    apiKey: cfg.apiKey || 'unused',
    ...(cfg.baseUrl ? { baseURL: cfg.baseUrl } : {}),
    timeout: cfg.timeoutMs ?? 60_000,
    maxRetries: 1,
  });
  const model: Model =
    cfg.api === 'chat_completions' ? new OpenAIChatCompletionsModel(client, cfg.model) : new OpenAIResponsesModel(client, cfg.model);

  const clients = mcpClients(cfg);

  return {
    async run(turn: AgentTurn) {
      const lease = await clients.acquire(turn.token);
      const mcp = lease.server;
      try {
        const agent = new Agent({ name: 'Kairos', instructions: AGENT_INSTRUCTIONS, model, mcpServers: [mcp] });
        const input: AgentInputItem[] = [
          ...turn.history.map((m) => (m.role === 'user' ? user(m.content) : assistant(m.content))),
          user(turn.message),
        ];
        const calls = new Map<string, ToolCallRecord>();
        const toolCalls: ToolCallRecord[] = [];
        const onItem = (item: RunItem) => {
          const raw = item.rawItem as { type?: string; name?: string; arguments?: string; callId?: string };
          if (item.type === 'tool_call_item' && raw.type === 'function_call') {
            const args = parseJson(raw.arguments ?? '{}');
            const record: ToolCallRecord = {
              name: raw.name ?? '',
              arguments: args.ok && args.value && typeof args.value === 'object' ? (args.value as Record<string, unknown>) : {},
              result: null,
              is_error: false,
              task_ids: [],
            };
            calls.set(raw.callId ?? String(calls.size), record);
            toolCalls.push(record);
          } else if (item.type === 'tool_call_output_item') {
            const record = calls.get(raw.callId ?? '');
            if (!record) return;
            // Kairos's tools answer JSON; a refusal or failure is plain text.
            const text = outputText((item as { output?: unknown }).output);
            const parsed = parseJson(text);
            record.result = parsed.ok ? parsed.value : text;
            record.is_error = !parsed.ok;
            record.task_ids = record.is_error ? [] : touchedTaskIds(record.arguments, record.result);
            turn.onEvent?.({ type: 'tool_call', call: record });
          }
        };
        const options = { maxTurns: cfg.maxTurns ?? 10, ...(turn.signal ? { signal: turn.signal } : {}) };

        let output: unknown;
        if (turn.onEvent) {
          // Streamed: text deltas reach the client as the model writes them.
          const result = await run(agent, input, { ...options, stream: true });
          for await (const event of result) {
            if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') {
              turn.onEvent({ type: 'text', delta: event.data.delta });
            } else if (event.type === 'run_item_stream_event') onItem(event.item);
          }
          await result.completed;
          output = result.finalOutput;
        } else {
          const result = await run(agent, input, options);
          for (const item of result.newItems) onItem(item);
          output = result.finalOutput;
        }
        return { response: typeof output === 'string' ? output : JSON.stringify(output ?? ''), tool_calls: toolCalls };
      } finally {
        await lease.release();
      }
    },
  };
}
