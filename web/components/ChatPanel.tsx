'use client';
/**
 * The assistant: a side panel that chats with Kairos (POST /api/v1/chat/stream, Server-Sent
 * Events). Text streams in as the model writes; each tool call shows as a chip that opens the
 * task it touched. The task list updates by itself: the assistant's changes are ordinary task
 * events and arrive over the real-time channel like any other change.
 * Keyboard: the header button (or Alt+A) opens it, Enter sends, Shift+Enter breaks the line,
 * Escape closes.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { X } from './icons';

interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  result: unknown;
  is_error: boolean;
  task_ids: number[];
}
interface Message {
  role: 'user' | 'assistant';
  content: string;
  tool_calls: ToolCall[];
}
interface Conversation {
  id: string;
  title: string;
  updated_at: string;
}

const TOOL_LABELS: Record<string, string> = {
  add_task: 'Added',
  quick_add_task: 'Added',
  complete_task: 'Completed',
  delete_task: 'Deleted',
  update_task: 'Updated',
  reopen_task: 'Reopened',
  set_due: 'Due date',
  set_priority: 'Priority',
  set_tags: 'Tags',
  set_recurrence: 'Repeat',
  set_reminders: 'Reminders',
};

/** GET a JSON resource of the API (same origin, session cookie). */
async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`Request failed (${res.status})`);
  return (await res.json()) as T;
}

/** Reads a text/event-stream body, calling `onEvent` for each event. */
async function readEvents(res: Response, onEvent: (event: string, data: Record<string, unknown>) => void) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) onEvent(event, JSON.parse(data) as Record<string, unknown>);
    }
  }
}

export function ChatPanel({ enabled, onOpenTask }: { enabled: boolean; onOpenTask: (id: number) => void }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLOListElement>(null);

  const status = useQuery({
    queryKey: ['assistant'],
    queryFn: () => getJson<{ enabled: boolean; hint: string | null }>('/assistant'),
    enabled: enabled && open,
  });
  const conversations = useQuery({
    queryKey: ['conversations'],
    queryFn: () => getJson<{ items: Conversation[] }>('/conversations?limit=20'),
    enabled: enabled && open,
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key.toLowerCase() === 'a') {
        e.preventDefault();
        setOpen((o) => !o);
      } else if (e.key === 'Escape' && open) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);
  useEffect(() => {
    logRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages]);

  const load = useCallback(async (id: string | null) => {
    setConversationId(id);
    setError(null);
    if (id === null) return setMessages([]);
    const c = await getJson<{ messages: Message[] }>(`/conversations/${id}`);
    setMessages(c.messages);
  }, []);

  const send = useCallback(async () => {
    const message = draft.trim();
    if (!message || busy) return;
    setDraft('');
    setBusy(true);
    setError(null);
    setMessages((m) => [...m, { role: 'user', content: message, tool_calls: [] }, { role: 'assistant', content: '', tool_calls: [] }]);
    const patchLast = (fn: (m: Message) => Message) => setMessages((all) => [...all.slice(0, -1), fn(all[all.length - 1]!)]);
    try {
      const res = await fetch('/api/v1/chat/stream', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
      });
      if (!res.ok) {
        const problem = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
        throw new Error(problem.detail ?? problem.title ?? `Request failed (${res.status})`);
      }
      await readEvents(res, (event, data) => {
        if (event === 'conversation') setConversationId(String(data.conversation_id));
        else if (event === 'text') patchLast((m) => ({ ...m, content: m.content + String(data.delta) }));
        else if (event === 'tool_call') patchLast((m) => ({ ...m, tool_calls: [...m.tool_calls, data.call as ToolCall] }));
        else if (event === 'done') patchLast((m) => ({ ...m, content: String(data.response) }));
        else if (event === 'error') setError(String(data.detail ?? data.title));
      });
    } catch (err) {
      setError((err as Error).message);
      setMessages((all) => (all[all.length - 1]?.content ? all : all.slice(0, -1)));
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: ['conversations'] });
      inputRef.current?.focus();
    }
  }, [draft, busy, conversationId, qc]);

  const disabled = status.data?.enabled === false;
  return (
    <>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="assistant-panel"
        aria-keyshortcuts="Alt+A"
        data-testid="assistant-toggle"
        onClick={() => setOpen((o) => !o)}
        className="rounded-md px-2 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800"
      >
        Assistant
      </button>
      {open && (
        <section
          id="assistant-panel"
          aria-label="Assistant"
          className="fixed inset-y-0 right-0 z-50 flex w-full flex-col border-l border-zinc-200 bg-white shadow-xl sm:w-[26rem] dark:border-zinc-800 dark:bg-zinc-900"
        >
          <header className="flex items-center gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
            <h2 className="text-sm font-semibold">Assistant</h2>
            <label className="sr-only" htmlFor="assistant-conversation">
              Conversation
            </label>
            <select
              id="assistant-conversation"
              value={conversationId ?? ''}
              onChange={(e) => void load(e.target.value || null)}
              className="ml-auto max-w-[12rem] truncate rounded-md border border-zinc-300 bg-transparent px-2 py-1 text-xs dark:border-zinc-700"
            >
              <option value="">New conversation</option>
              {conversations.data?.items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
            <button
              type="button"
              aria-label="Close the assistant"
              onClick={() => setOpen(false)}
              className="rounded-md p-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
            >
              <X className="h-4 w-4" />
            </button>
          </header>
          {disabled && (
            <p role="status" className="m-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-900/30 dark:text-amber-100">
              The assistant is off. {status.data?.hint}
            </p>
          )}
          <div role="log" aria-live="polite" aria-label="Messages" className="flex-1 overflow-y-auto p-3 text-sm">
            <ol ref={logRef} className="space-y-3">
              {messages.length === 0 && !disabled && (
                <li className="text-zinc-600 dark:text-zinc-400">Try “Add a task to buy groceries tomorrow 5pm” or “What’s pending?”.</li>
              )}
              {messages.map((m, i) => (
                <li key={i} className={m.role === 'user' ? 'ml-8 rounded-lg bg-accent-50 p-2 dark:bg-accent-700/20' : 'mr-8'}>
                  <span className="sr-only">{m.role === 'user' ? 'You:' : 'Assistant:'}</span>
                  <p className="whitespace-pre-wrap">{m.content || (busy && i === messages.length - 1 ? '…' : '')}</p>
                  {m.tool_calls.length > 0 && (
                    <ul className="mt-1 flex flex-wrap gap-1" aria-label="What the assistant did">
                      {m.tool_calls.map((c, j) => (
                        <li key={j}>
                          {c.task_ids[0] !== undefined && c.name !== 'delete_task' ? (
                            <button
                              type="button"
                              data-testid="tool-chip"
                              onClick={() => onOpenTask(c.task_ids[0]!)}
                              className="rounded-full border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
                            >
                              {TOOL_LABELS[c.name] ?? c.name} · task {c.task_ids[0]}
                            </button>
                          ) : (
                            <span
                              data-testid="tool-chip"
                              className={`rounded-full border px-2 py-0.5 text-xs ${c.is_error ? 'border-red-300 text-red-800 dark:text-red-300' : 'border-zinc-300 dark:border-zinc-700'}`}
                            >
                              {TOOL_LABELS[c.name] ?? c.name}
                              {c.task_ids[0] !== undefined ? ` · task ${c.task_ids[0]}` : ''}
                              {c.is_error ? ' · failed' : ''}
                            </span>
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          </div>
          {error && (
            <p role="alert" className="mx-3 mb-2 text-sm text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
          <form
            className="flex gap-2 border-t border-zinc-200 p-3 dark:border-zinc-800"
            onSubmit={(e) => {
              e.preventDefault();
              void send();
            }}
          >
            <label className="sr-only" htmlFor="assistant-input">
              Message the assistant
            </label>
            <textarea
              id="assistant-input"
              ref={inputRef}
              rows={2}
              value={draft}
              disabled={disabled}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  void send();
                }
              }}
              placeholder="Ask about your tasks…"
              className="flex-1 resize-none rounded-md border border-zinc-300 bg-transparent px-2 py-1.5 text-sm dark:border-zinc-700"
            />
            <button
              type="submit"
              disabled={busy || disabled || draft.trim() === ''}
              className="self-end rounded-md bg-accent-600 px-3 py-1.5 text-sm font-semibold text-white disabled:opacity-50"
            >
              {busy ? 'Sending…' : 'Send'}
            </button>
          </form>
        </section>
      )}
    </>
  );
}
