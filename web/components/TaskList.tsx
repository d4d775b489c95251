'use client';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { Task } from '@/lib/api/types';
import { TaskRow } from './TaskRow';

export function TaskList(props: {
  tasks: Task[];
  selectedId: number | null;
  fresh: Set<number>;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  onToggle: (t: Task) => void;
  onOpen: (t: Task) => void;
  onSelect: (id: number) => void;
  focusSelected: number;
  label: string;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  const { tasks } = props;
  const v = useVirtualizer({
    count: tasks.length + (props.hasMore ? 1 : 0),
    getScrollElement: () => parentRef.current,
    estimateSize: () => 62,
    overscan: 12,
    getItemKey: (i) => tasks[i]?.id ?? 'more',
  });
  const items = v.getVirtualItems();
  const last = items.at(-1);

  useEffect(() => {
    if (last && last.index >= tasks.length - 5 && props.hasMore && !props.loadingMore) props.loadMore();
  }, [last, tasks.length, props.hasMore, props.loadingMore, props]);

  // Keyboard selection (j/k) scrolls the row into view and moves focus to it. The row may
  // not be rendered yet in the next frame (virtualised list), so try for a few frames.
  const selIndex = props.selectedId === null ? -1 : tasks.findIndex((t) => t.id === props.selectedId);
  const selectedRow = () => parentRef.current?.querySelector<HTMLElement>(`[data-task-id="${props.selectedId}"]`) ?? null;
  const focusSelectedRow = (attempts: number) => {
    const el = selectedRow();
    const active = document.activeElement;
    // Never steal focus from a field or the editor that opened in the meantime.
    const free = !active || active === document.body || !!parentRef.current?.contains(active);
    if (!free || active === el) return;
    if (el) el.focus({ preventScroll: true });
    else if (attempts > 1) requestAnimationFrame(() => focusSelectedRow(attempts - 1));
  };
  useEffect(() => {
    if (selIndex < 0 || !props.focusSelected) return;
    v.scrollToIndex(selIndex, { align: 'auto' });
    requestAnimationFrame(() => focusSelectedRow(10));
  }, [props.focusSelected]);
  // A focused row that a re-render removed (a realtime update, a list that reordered) drops
  // the focus to <body>; it goes back to the selected row if that one is on screen.
  const focusedRow = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const lost = focusedRow.current;
    if (!lost || lost.isConnected || document.activeElement !== document.body) return;
    focusedRow.current = null;
    selectedRow()?.focus({ preventScroll: true });
  });

  return (
    <div
      ref={parentRef}
      className="min-h-0 flex-1 overflow-y-auto"
      data-testid="task-scroller"
      onFocus={(e) => {
        if (e.target.dataset.taskId) focusedRow.current = e.target;
      }}
    >
      <div role="list" aria-label={props.label} style={{ height: v.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const task = tasks[item.index];
          return (
            <div
              key={item.key}
              role="listitem"
              data-index={item.index}
              ref={v.measureElement}
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}
            >
              {task ? (
                <TaskRow
                  task={task}
                  selected={task.id === props.selectedId}
                  tabbable={props.selectedId === null || selIndex < 0 ? item.index === 0 : task.id === props.selectedId}
                  fresh={props.fresh.has(task.id)}
                  onToggle={props.onToggle}
                  onOpen={props.onOpen}
                  onSelect={props.onSelect}
                />
              ) : (
                <div className="px-5 py-4 text-sm text-zinc-600 dark:text-zinc-400">Loading more…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
