'use client';
import { memo } from 'react';
import { formatDue } from '@/lib/time';
import type { Task } from '@/lib/api/types';
import { Bell, Calendar, Check, Repeat } from './icons';

export const PRIORITY_STYLE: Record<Task['priority'], { ring: string; text: string; label: string }> = {
  high: { ring: 'border-red-500 dark:border-red-400', text: 'text-red-700 dark:text-red-400', label: 'High' },
  medium: { ring: 'border-amber-500 dark:border-amber-400', text: 'text-amber-700 dark:text-amber-400', label: 'Medium' },
  low: { ring: 'border-sky-500 dark:border-sky-400', text: 'text-sky-700 dark:text-sky-400', label: 'Low' },
  none: { ring: 'border-zinc-400 dark:border-zinc-500', text: 'text-zinc-600 dark:text-zinc-400', label: 'No priority' },
};

export const TaskRow = memo(function TaskRow(props: {
  task: Task;
  selected: boolean;
  tabbable: boolean;
  fresh: boolean;
  onToggle: (t: Task) => void;
  onOpen: (t: Task) => void;
  onSelect: (id: number) => void;
}) {
  const { task } = props;
  const due = task.due_at ? formatDue(task.due_at) : null;
  const p = PRIORITY_STYLE[task.priority];
  const pending = task.id < 0;
  return (
    <div
      data-task-id={task.id}
      data-selected={props.selected || undefined}
      aria-current={props.selected ? 'true' : undefined}
      tabIndex={props.tabbable ? 0 : -1}
      onFocus={() => props.onSelect(task.id)}
      onDoubleClick={() => props.onOpen(task)}
      className={`group flex items-start gap-3 border-b border-zinc-100 px-3 py-2.5 outline-none sm:px-5 dark:border-zinc-800/80 ${
        props.selected ? 'bg-accent-50 dark:bg-accent-700/15' : 'hover:bg-zinc-50 dark:hover:bg-zinc-900'
      } ${props.fresh ? 'row-arrive' : ''} ${pending ? 'opacity-60' : ''} focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-accent-500`}
    >
      <button
        type="button"
        role="checkbox"
        aria-checked={task.completed}
        aria-label={`${task.completed ? 'Mark as not done' : 'Complete'}: ${task.title}`}
        disabled={pending}
        onClick={() => props.onToggle(task)}
        className={`mt-0.5 flex h-5 w-5 shrink-0 items-center justify-center rounded-full border-2 transition-colors ${p.ring} ${
          task.completed ? 'bg-zinc-500 !border-zinc-500 text-white dark:bg-zinc-500' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'
        }`}
      >
        {task.completed && <Check className="h-3 w-3" />}
      </button>
      <div className="min-w-0 flex-1">
        <button
          type="button"
          tabIndex={-1}
          onClick={() => props.onOpen(task)}
          className={`block w-full truncate text-left text-[15px] leading-6 ${task.completed ? 'text-zinc-600 line-through dark:text-zinc-400' : ''}`}
        >
          {task.title}
        </button>
        {(due || task.recurrence || task.tags.length > 0 || task.reminders.length > 0 || task.description) && (
          <div className="mt-0.5 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
            {due && (
              <span
                className={`inline-flex items-center gap-1 ${
                  !task.completed && due.overdue
                    ? 'font-medium text-red-700 dark:text-red-400'
                    : due.today
                      ? 'font-medium text-green-700 dark:text-green-400'
                      : ''
                }`}
              >
                <Calendar className="h-3.5 w-3.5" />
                {due.label}
              </span>
            )}
            {task.recurrence && (
              <span className="inline-flex items-center gap-1" title={task.recurrence.rule}>
                <Repeat className="h-3.5 w-3.5" />
                {task.recurrence.summary ?? 'Repeats'}
              </span>
            )}
            {task.reminders.length > 0 && (
              <span className="inline-flex items-center gap-1">
                <Bell className="h-3.5 w-3.5" />
                <span className="sr-only">Reminders:</span>
                {task.reminders.length}
              </span>
            )}
            {task.priority !== 'none' && <span className={`font-medium ${p.text}`}>{p.label}</span>}
            {task.tags.map((t) => (
              <span key={t} className="rounded bg-zinc-100 px-1.5 py-px text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">
                #{t}
              </span>
            ))}
          </div>
        )}
      </div>
    </div>
  );
});
