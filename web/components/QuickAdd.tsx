'use client';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { ApiError } from '@/lib/api/client';
import type { ParseResult } from '@/lib/api/types';
import { useCreateTask } from '@/lib/mutations';
import { parseQuickAdd } from '@/lib/queries';
import { formatDue, formatMinutesBefore, formatFull } from '@/lib/time';
import { Bell, Calendar, Flag, Repeat, Tag } from './icons';
import { PRIORITY_STYLE } from './TaskRow';

export interface QuickAddHandle {
  focus: () => void;
}

export const QuickAdd = forwardRef<QuickAddHandle, { timeZone: string; onCreated?: (id: number) => void }>(function QuickAdd(
  { timeZone, onCreated },
  ref,
) {
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<ParseResult | null>(null);
  const [previewFor, setPreviewFor] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = useCreateTask();
  useImperativeHandle(ref, () => ({ focus: () => input.current?.focus() }), []);

  // Live preview from the backend's parser, debounced; stale answers are dropped.
  useEffect(() => {
    const t = text.trim();
    if (!t) {
      setPreview(null);
      setPreviewFor('');
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => {
      parseQuickAdd(t, timeZone, ctrl.signal)
        .then((r) => {
          setPreview(r);
          setPreviewFor(t);
        })
        .catch(() => {});
    }, 180);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [text, timeZone]);

  function submit() {
    const t = text.trim();
    if (!t) return;
    setError(null);
    const p = previewFor === t ? preview : null;
    create.mutate(
      { text: t, time_zone: timeZone, preview: p },
      {
        onSuccess: (task) => onCreated?.(task.id),
        onError: (err) => {
          setText(t);
          setError(err instanceof ApiError ? (Object.values(err.fieldErrors())[0] ?? err.message) : 'Could not add the task.');
        },
      },
    );
    setText('');
    setPreview(null);
  }

  const showPreview = preview && text.trim() && previewFor === text.trim();
  const hasDetails =
    showPreview && (preview.due_at || preview.recurrence || preview.tags.length || preview.priority !== 'none' || preview.reminders.length);
  return (
    <div className="border-b border-zinc-200 px-3 py-3 sm:px-5 dark:border-zinc-800">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
        className="flex items-center gap-2 rounded-lg px-1 focus-within:ring-2 focus-within:ring-accent-500/40"
      >
        <label htmlFor="quick-add" className="sr-only">
          Add a task
        </label>
        <span aria-hidden className="text-xl leading-none text-accent-600 dark:text-accent-400">
          +
        </span>
        <input
          ref={input}
          id="quick-add"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (error) setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              if (text) setText('');
              else input.current?.blur();
            }
          }}
          autoComplete="off"
          placeholder="Add a task: “Pay rent every month on the 1st 9am #home !high”"
          aria-describedby="quick-add-preview quick-add-error"
          aria-invalid={error ? true : undefined}
          className="min-w-0 flex-1 bg-transparent py-1.5 focus-visible:outline-none text-[15px] outline-none placeholder:text-zinc-500 dark:placeholder:text-zinc-500"
        />
        <button
          type="submit"
          disabled={!text.trim()}
          className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-accent-700 disabled:bg-zinc-300 disabled:text-zinc-600 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-400"
        >
          Add
        </button>
      </form>
      <div id="quick-add-preview" aria-live="polite" data-testid="quick-add-preview">
        {hasDetails ? (
          <div className="mt-2 flex flex-wrap items-center gap-1.5 pl-6 text-xs">
            <span className="text-zinc-600 dark:text-zinc-400">
              <span className="sr-only">Preview: </span>“{preview.title}”
            </span>
            {preview.due_at && (
              <Chip icon={<Calendar className="h-3.5 w-3.5" />} testid="preview-due" title={formatFull(preview.due_at)}>
                {formatDue(preview.due_at).label}
              </Chip>
            )}
            {preview.recurrence && (
              <Chip icon={<Repeat className="h-3.5 w-3.5" />} testid="preview-recurrence" title={preview.recurrence.rule}>
                {preview.recurrence.summary ?? preview.recurrence.rule}
              </Chip>
            )}
            {preview.priority !== 'none' && (
              <Chip icon={<Flag className="h-3.5 w-3.5" />} testid="preview-priority">
                <span className={PRIORITY_STYLE[preview.priority].text}>{PRIORITY_STYLE[preview.priority].label}</span>
              </Chip>
            )}
            {preview.tags.map((t) => (
              <Chip key={t} icon={<Tag className="h-3.5 w-3.5" />} testid="preview-tag">
                {t}
              </Chip>
            ))}
            {preview.reminders.map((r, i) => (
              <Chip key={i} icon={<Bell className="h-3.5 w-3.5" />} testid="preview-reminder">
                {'minutes_before' in r ? formatMinutesBefore(r.minutes_before) : formatFull(r.at)}
              </Chip>
            ))}
            <span className="ml-auto hidden text-zinc-600 dark:text-zinc-400 sm:inline">Enter to add</span>
          </div>
        ) : null}
      </div>
      {error && (
        <p id="quick-add-error" role="alert" className="mt-2 pl-6 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
});

function Chip({ icon, children, testid, title }: { icon: React.ReactNode; children: React.ReactNode; testid: string; title?: string }) {
  return (
    <span
      data-testid={testid}
      title={title}
      className="inline-flex items-center gap-1 rounded-full border border-zinc-200 bg-zinc-50 px-2 py-0.5 text-zinc-800 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200"
    >
      {icon}
      {children}
    </span>
  );
}
