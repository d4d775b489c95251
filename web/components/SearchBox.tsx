'use client';
import { forwardRef, useEffect, useRef, useState } from 'react';
import { Search } from './icons';

/**
 * The search field. What is typed reaches `onSearch` after a 200 ms pause (Enter: at
 * once, then `onSubmit` moves to the results); a search changed elsewhere (the URL, by
 * the back button or a link) replaces what the field shows.
 */
export const SearchBox = forwardRef<HTMLInputElement, { value: string; onSearch: (q: string) => void; onSubmit: () => void }>(
  function SearchBox({ value, onSearch, onSubmit }, ref) {
    const [text, setText] = useState(value);
    const sent = useRef(value);
    useEffect(() => {
      if (value === sent.current) return;
      sent.current = value;
      setText(value);
    }, [value]);
    const send = (q: string) => {
      if (q === sent.current) return;
      sent.current = q;
      onSearch(q);
    };
    useEffect(() => {
      const t = setTimeout(() => send(text), 200);
      return () => clearTimeout(t);
      // only a change of the text restarts the pause
    }, [text]);
    return (
      <div className="relative ml-auto min-w-0 flex-1 sm:max-w-xs">
        <Search className="pointer-events-none absolute left-2.5 top-1/2 h-4 w-4 -translate-y-1/2 text-zinc-500" />
        <label htmlFor="search" className="sr-only">
          Search tasks
        </label>
        <input
          ref={ref}
          id="search"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              setText('');
              e.currentTarget.blur();
            } else if (e.key === 'Enter' || e.key === 'ArrowDown') {
              e.preventDefault();
              send(text);
              e.currentTarget.blur();
              onSubmit();
            }
          }}
          placeholder="Search"
          className="w-full rounded-md border border-zinc-300 bg-white py-1.5 pl-8 pr-2 text-sm outline-none focus:border-accent-500 focus:ring-2 focus:ring-accent-500/30 dark:border-zinc-700 dark:bg-zinc-900"
        />
      </div>
    );
  },
);
