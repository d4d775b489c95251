'use client';
import { useEffect, useId, useRef, useState } from 'react';
import type { Task } from '@/lib/api/types';
import { useDeleteTask } from '@/lib/mutations';
import { formatRelative } from '@/lib/time';
import { X } from '../icons';
import { DueEditor } from './DueEditor';
import { describedBy, FieldError, input } from './fields';
import { History } from './History';
import { PriorityPicker } from './PriorityPicker';
import { RemindersEditor } from './RemindersEditor';
import { RepeatEditor } from './RepeatEditor';
import { TagsEditor } from './TagsEditor';
import { useTaskDraft } from './use-task-draft';

/**
 * The editor beside the list: the task's fields (each in its editor, the draft and its
 * save in `useTaskDraft`) and its history. Esc closes, Ctrl+Enter saves.
 */
export function TaskPanel({ task, onClose, tagOptions }: { task: Task; onClose: () => void; tagOptions: string[] }) {
  const uid = useId();
  const titleRef = useRef<HTMLInputElement>(null);
  const [tab, setTab] = useState<'details' | 'history'>('details');
  const { draft, set, setDraft, base, dirty, stale, reload, errors, formError, save, saving } = useTaskDraft(task, {
    onSaved: onClose,
    onInvalidTitle: () => titleRef.current?.focus(),
  });
  const del = useDeleteTask();
  const field = { uid, errors };

  useEffect(() => {
    titleRef.current?.focus();
  }, [task.id]);

  return (
    <aside
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${uid}-heading`}
      data-testid="task-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        } else if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
          e.preventDefault();
          save();
        }
      }}
      className="fixed inset-0 z-30 flex flex-col bg-white md:static md:z-auto md:w-[26rem] md:shrink-0 md:border-l md:border-zinc-200 dark:bg-zinc-950 md:dark:border-zinc-800"
    >
      <div className="flex items-center gap-2 border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
        <h2 id={`${uid}-heading`} className="text-sm font-semibold">
          Edit task <span className="font-normal text-zinc-600 dark:text-zinc-400">#{base.id}</span>
        </h2>
        <div role="tablist" aria-label="Task sections" className="ml-auto flex gap-1 text-xs">
          {(['details', 'history'] as const).map((t) => (
            <button
              key={t}
              role="tab"
              type="button"
              aria-selected={tab === t}
              onClick={() => setTab(t)}
              className={`rounded-md px-2 py-1 capitalize ${tab === t ? 'bg-zinc-200 font-semibold dark:bg-zinc-800' : 'hover:bg-zinc-100 dark:hover:bg-zinc-900'}`}
            >
              {t}
            </button>
          ))}
        </div>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close editor"
          className="rounded-md p-1 hover:bg-zinc-100 dark:hover:bg-zinc-800"
        >
          <X className="h-4 w-4" />
        </button>
      </div>

      {tab === 'history' ? (
        <History taskId={base.id} />
      ) : (
        <form
          className="flex-1 space-y-5 overflow-y-auto px-4 py-4"
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          {stale && (
            <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
              This task was changed elsewhere.{' '}
              <button type="button" className="font-semibold underline" onClick={reload}>
                Load the latest version
              </button>
            </p>
          )}
          {formError && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {formError}
            </p>
          )}
          <div>
            <label htmlFor={`${uid}-title`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
              Title
            </label>
            <input
              ref={titleRef}
              id={`${uid}-title`}
              name="title"
              value={draft.title}
              maxLength={200}
              onChange={(e) => set('title', e.target.value)}
              aria-invalid={errors.title ? true : undefined}
              aria-describedby={describedBy(field, 'title')}
              className={`${input} text-base font-medium`}
            />
            <FieldError {...field} name="title" />
          </div>
          <div>
            <label htmlFor={`${uid}-desc`} className="mb-1 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
              Description
            </label>
            <textarea
              id={`${uid}-desc`}
              name="description"
              rows={3}
              value={draft.description}
              onChange={(e) => set('description', e.target.value)}
              aria-invalid={errors.description ? true : undefined}
              aria-describedby={describedBy(field, 'description')}
              placeholder="Notes, links, details…"
              className={input}
            />
            <FieldError {...field} name="description" />
          </div>
          <PriorityPicker {...field} value={draft.priority} onChange={(p) => set('priority', p)} />
          <TagsEditor {...field} value={draft.tags} onChange={(t) => set('tags', t)} options={tagOptions} />
          <DueEditor {...field} value={draft} onChange={(due) => setDraft((d) => ({ ...d, ...due }))} />
          <RemindersEditor
            {...field}
            value={draft.reminders}
            onChange={(r) => set('reminders', r)}
            hasDue={!!draft.date}
            timeZone={draft.time_zone}
          />
          <RepeatEditor
            {...field}
            value={draft}
            onChange={(r) => setDraft((d) => ({ ...d, ...r }))}
            hasDue={!!draft.date}
            savedSummary={base.recurrence?.rule === draft.rule ? base.recurrence.summary : null}
          />
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            Created {formatRelative(base.created_at)} · updated {formatRelative(base.updated_at)}
            {base.series_id && ` · occurrence ${base.occurrence}`}
          </p>
          <button type="submit" hidden />
        </form>
      )}

      <div className="flex items-center gap-2 border-t border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <button
          type="button"
          onClick={() => {
            del(base);
            onClose();
          }}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
        >
          Delete
        </button>
        <span className="ml-auto hidden text-xs text-zinc-600 dark:text-zinc-400 sm:inline">{dirty ? 'Ctrl+Enter to save' : ''}</span>
        <button
          type="button"
          onClick={onClose}
          className="rounded-md px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:hover:bg-zinc-800"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={save}
          disabled={saving}
          className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-accent-700 disabled:opacity-60"
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </aside>
  );
}
