'use client';
import { useEffect, useRef } from 'react';
import type { Task } from './api/types';
import { SMART_LISTS, type SmartList } from './filters';

export interface ShortcutState {
  tasks: Task[];
  selectedId: number | null;
  editingId: number | null;
  helpOpen: boolean;
}

export interface ShortcutActions {
  focusQuickAdd(): void;
  focusSearch(): void;
  /** Moves the selection to this task and focuses its row. */
  select(id: number | null, focus?: boolean): void;
  toggle(task: Task): void;
  edit(id: number): void;
  closeEditor(): void;
  remove(task: Task): void;
  help(): void;
  list(list: SmartList): void;
}

function isTyping(el: EventTarget | null) {
  const e = el as HTMLElement | null;
  if (!e || !e.tagName) return false;
  return e.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName);
}

/**
 * The list page's keyboard: n / j k x e Enter Delete # ? Esc and 1–5 (the smart lists).
 * Ignored while typing (Esc leaves the field), inside a dialog, and — except for moving,
 * new, search and help — inside the editor, the notification panel and the sidebar.
 */
export function useShortcuts(state: ShortcutState, actions: ShortcutActions) {
  const ref = useRef({ state, actions });
  ref.current = { state, actions };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
      const { state: s, actions: a } = ref.current;
      if (s.helpOpen) return;
      if (isTyping(e.target)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      if ((e.target as HTMLElement).closest?.('[data-testid="task-panel"], #notification-panel, nav')) {
        if (!['j', 'k', 'n', '/', '?'].includes(e.key) || (e.target as HTMLElement).closest?.('[data-testid="task-panel"]')) return;
      }
      const idx = s.selectedId === null ? -1 : s.tasks.findIndex((t) => t.id === s.selectedId);
      const move = (d: number) => {
        if (!s.tasks.length) return;
        const next = idx < 0 ? (d > 0 ? 0 : s.tasks.length - 1) : Math.max(0, Math.min(s.tasks.length - 1, idx + d));
        a.select(s.tasks[next]!.id, true);
      };
      const sel = idx >= 0 ? s.tasks[idx] : undefined;
      switch (e.key) {
        case 'n':
          e.preventDefault();
          a.focusQuickAdd();
          break;
        case '/':
          e.preventDefault();
          a.focusSearch();
          break;
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          move(1);
          break;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          move(-1);
          break;
        case 'x':
          if (sel && sel.id > 0) {
            e.preventDefault();
            a.toggle(sel);
          }
          break;
        case 'e':
        case 'Enter':
          if (sel && sel.id > 0 && (e.key === 'e' || (e.target as HTMLElement).dataset?.taskId)) {
            e.preventDefault();
            a.edit(sel.id);
          }
          break;
        case 'Delete':
        case '#':
          if (sel && sel.id > 0) {
            e.preventDefault();
            const nextSel = s.tasks[idx + 1] ?? s.tasks[idx - 1];
            a.remove(sel);
            a.select(nextSel?.id ?? null);
            if (s.editingId === sel.id) a.closeEditor();
          }
          break;
        case '?':
          e.preventDefault();
          a.help();
          break;
        case 'Escape':
          if (s.editingId !== null) a.closeEditor();
          else a.select(null);
          break;
        default: {
          const l = SMART_LISTS.find((x) => x.key === e.key);
          if (l) {
            e.preventDefault();
            a.list(l.id);
          }
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
