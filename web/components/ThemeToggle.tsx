'use client';
import { useEffect, useState } from 'react';
import { Moon, Sun } from './icons';

type Theme = 'light' | 'dark' | 'system';

function applyTheme(t: Theme) {
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
}

/** Cycles system → dark → light; the choice is kept in localStorage (the root layout applies it before paint). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => setTheme((localStorage.getItem('kairos.theme') as Theme) || 'system'), []);
  return (
    <button
      type="button"
      aria-label={`Theme: ${theme}. Switch theme`}
      title={`Theme: ${theme}`}
      onClick={() => {
        const next: Theme = theme === 'system' ? 'dark' : theme === 'dark' ? 'light' : 'system';
        setTheme(next);
        localStorage.setItem('kairos.theme', next);
        applyTheme(next);
      }}
      className="rounded-md p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800"
    >
      {theme === 'light' ? <Sun className="h-5 w-5" /> : <Moon className="h-5 w-5" />}
    </button>
  );
}
