/**
 * A scripted OpenAI-compatible model server on 127.0.0.1 — a test double for the model
 * only. It answers `POST /v1/chat/completions` (streamed and not) from fixtures: per
 * conversation message, a list of steps, each a tool call or a text. A step may be a
 * function of what the model would see (earlier tool results), so "Delete the meeting
 * task" can list first and then delete the id the listing returned, like a real model.
 *
 * It also checks every request: the tools the agent sends must be exactly Kairos's tools,
 * with object schemas and the challenge's argument names. Problems are collected in
 * `violations` (the tests assert it is empty) rather than thrown, so the agent sees a
 * normal answer and the test reports what was wrong.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { TASK_TOOL_NAMES } from '../../src/http/mcp/task-tools.js';

interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

interface ToolDef {
  type: string;
  function: {
    name: string;
    description?: string;
    parameters?: { type?: string; properties?: Record<string, unknown>; required?: string[] };
  };
}

export interface ModelRequest {
  model: string;
  stream: boolean;
  messages: ChatMessage[];
  tools: ToolDef[];
}

export interface StepContext {
  request: ModelRequest;
  /** The user message this turn answers. */
  message: string;
  /** Results of this turn's tool calls so far, oldest first (parsed JSON when it is JSON). */
  results: Array<{ name: string; output: unknown; text: string }>;
  /** The latest result of a tool in this turn. */
  result(name: string): unknown;
}

export type Step =
  | { tool: string; arguments: Record<string, unknown> }
  | { tools: Array<{ tool: string; arguments: Record<string, unknown> }> }
  | { text: string };
export type StepFn = Step | ((ctx: StepContext) => Step);

/** The challenge's tools and the arguments their schemas must declare. */
const CHALLENGE_ARGS: Record<string, string[]> = {
  add_task: ['user_id', 'title', 'description'],
  list_tasks: ['user_id', 'status'],
  complete_task: ['user_id', 'task_id'],
  delete_task: ['user_id', 'task_id'],
  update_task: ['user_id', 'task_id', 'title', 'description'],
};

/** When the double received a request and when it finished answering it (performance.now()). */
export interface ModelTiming {
  message: string;
  step: number;
  start: number;
  end: number;
}

export interface ScriptedModel {
  /** Base URL to configure as LLM_BASE_URL (ends in /v1). */
  baseUrl: string;
  requests: ModelRequest[];
  /** Filled when started with `timings: true` (the benchmark). */
  timings: ModelTiming[];
  violations: string[];
  /** Registers the steps that answer `message` (exact text, or a pattern). */
  script(message: string | RegExp, steps: StepFn[]): void;
  close(): Promise<void>;
}

export const textOf = (content: ChatMessage['content']): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((c) => c.text ?? '').join('') : '';

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startScriptedModel(
  opts: { expectedTools?: readonly string[]; timings?: boolean; /** 0 (default): any free port */ port?: number } = {},
): Promise<ScriptedModel> {
  const expectedTools = [...(opts.expectedTools ?? TASK_TOOL_NAMES)].sort();
  const fixtures: Array<{ match: string | RegExp; steps: StepFn[] }> = [];
  const requests: ModelRequest[] = [];
  const violations: string[] = [];
  const timings: ModelTiming[] = [];
  let callSeq = 0;

  function checkTools(req: ModelRequest) {
    const names = req.tools.map((t) => t.function?.name).sort();
    if (JSON.stringify(names) !== JSON.stringify(expectedTools)) {
      violations.push(`tools sent: ${names.join(',')}; expected ${expectedTools.join(',')}`);
    }
    for (const tool of req.tools) {
      const name = tool.function?.name;
      if (tool.type !== 'function') violations.push(`${name}: type ${tool.type}, expected function`);
      if (!tool.function?.description) violations.push(`${name}: no description`);
      const params = tool.function?.parameters;
      if (params?.type !== 'object') violations.push(`${name}: parameters are not an object schema`);
      const expected = CHALLENGE_ARGS[name];
      if (expected) {
        const props = Object.keys(params?.properties ?? {});
        if (JSON.stringify(props) !== JSON.stringify(expected))
          violations.push(`${name}: arguments ${props.join(',')}; expected ${expected.join(',')}`);
      }
    }
  }

  function nextStep(req: ModelRequest): Step {
    const lastUser = req.messages
      .map((m, i) => [m, i] as const)
      .filter(([m]) => m.role === 'user')
      .at(-1);
    if (!lastUser) {
      violations.push('a request without a user message');
      return { text: '(no user message)' };
    }
    const [userMsg, userIndex] = lastUser;
    const message = textOf(userMsg.content);
    const after = req.messages.slice(userIndex + 1);
    const step = after.filter((m) => m.role === 'assistant').length;
    const names = new Map<string, string>();
    for (const m of after) for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
    const results = after
      .filter((m) => m.role === 'tool')
      .map((m) => ({ name: names.get(m.tool_call_id ?? '') ?? '?', text: textOf(m.content), output: parse(textOf(m.content)) }));
    const fixture = fixtures.find((f) => (typeof f.match === 'string' ? f.match === message : f.match.test(message)));
    if (!fixture) {
      violations.push(`no script for ${JSON.stringify(message)}`);
      return { text: '(no script)' };
    }
    const fn = fixture.steps[step];
    if (!fn) {
      violations.push(`script for ${JSON.stringify(message)} has no step ${step + 1}`);
      return { text: '(script ended)' };
    }
    return typeof fn === 'function'
      ? fn({ request: req, message, results, result: (name) => results.filter((r) => r.name === name).at(-1)?.output })
      : fn;
  }

  function toolCallsOf(step: Step) {
    const list = 'tools' in step ? step.tools : 'tool' in step ? [step] : [];
    return list.map((c) => ({
      id: `call_${++callSeq}`,
      type: 'function' as const,
      function: { name: c.tool, arguments: JSON.stringify(c.arguments) },
    }));
  }

  const server: Server = createServer(async (req, res) => {
    const start = performance.now();
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = JSON.parse(await readBody(req)) as { model: string; stream?: boolean; messages: ChatMessage[]; tools?: ToolDef[] };
    const request: ModelRequest = { model: body.model, stream: body.stream === true, messages: body.messages, tools: body.tools ?? [] };
    if (opts.timings) {
      const lastUser = body.messages.findLastIndex((m) => m.role === 'user');
      const timing = {
        message: textOf(body.messages[lastUser]?.content),
        step: body.messages.slice(lastUser + 1).filter((m) => m.role === 'assistant').length,
        start,
        end: 0,
      };
      timings.push(timing);
      res.on('finish', () => (timing.end = performance.now()));
    } else requests.push(request);
    checkTools(request);
    const step = nextStep(request);
    const toolCalls = toolCallsOf(step);
    const content = 'text' in step ? step.text : null;
    const finish = toolCalls.length ? 'tool_calls' : 'stop';
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };

    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
              finish_reason: finish,
            },
          ],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
      );
    chunk({ role: 'assistant', content: '' });
    if (content !== null) {
      // a few pieces, so clients see real deltas
      const words = content.split(/(?<= )/);
      const size = Math.max(1, Math.ceil(words.length / 3));
      for (let i = 0; i < words.length; i += size) chunk({ content: words.slice(i, i + size).join('') });
    }
    toolCalls.forEach((c, index) => {
      chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] });
      const half = Math.ceil(c.function.arguments.length / 2);
      chunk({ tool_calls: [{ index, function: { arguments: c.function.arguments.slice(0, half) } }] });
      chunk({ tool_calls: [{ index, function: { arguments: c.function.arguments.slice(half) } }] });
    });
    chunk({}, finish);
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject); // e.g. a fixed port already taken
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    timings,
    violations,
    script: (match, steps) => {
      fixtures.unshift({ match, steps });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
