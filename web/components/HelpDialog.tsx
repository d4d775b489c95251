'use client';
import { useEffect, useRef } from 'react';

const SHORTCUTS: [string, string][] = [
  ['n', 'New task (focus the quick-add bar)'],
  ['/', 'Search'],
  ['j / ↓', 'Next task'],
  ['k / ↑', 'Previous task'],
  ['x', 'Complete / reopen the selected task'],
  ['e / Enter', 'Edit the selected task'],
  ['#  or  Delete', 'Delete the selected task (with undo)'],
  ['1 – 5', 'All, Today, Upcoming, Overdue, Completed'],
  ['Ctrl + Enter', 'Save in the editor'],
  ['Esc', 'Close the editor or dialog, leave a field'],
  ['?', 'This help'],
];

export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="help-title"
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-2xl dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <div className="flex items-center border-b border-zinc-200 px-5 py-3 dark:border-zinc-800">
        <h2 id="help-title" className="font-semibold">
          Keyboard shortcuts
        </h2>
        <button type="button" onClick={onClose} className="ml-auto rounded-md px-2 py-1 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">
          Close
        </button>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 px-5 py-4 text-sm">
        {SHORTCUTS.map(([k, v]) => (
          <div key={k} className="contents">
            <dt>
              <kbd className="rounded border border-zinc-300 bg-zinc-50 px-1.5 py-0.5 font-mono text-xs dark:border-zinc-700 dark:bg-zinc-800">
                {k}
              </kbd>
            </dt>
            <dd className="text-zinc-700 dark:text-zinc-300">{v}</dd>
          </div>
        ))}
      </dl>
    </dialog>
  );
}
