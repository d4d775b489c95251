import type { FieldErrors } from './use-task-draft';

export const input =
  'w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-accent-500 focus:ring-2 focus:ring-accent-500/30 dark:border-zinc-700 dark:bg-zinc-950';
export const smallBtn =
  'rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800';
export const legend = 'mb-1 text-xs font-medium text-zinc-700 dark:text-zinc-300';

/** What every editor gets: the form's id prefix and the field errors. */
export interface FieldProps {
  uid: string;
  errors: FieldErrors;
}

/** The id of a field's error message, for `aria-describedby` (undefined when it has none). */
export const describedBy = ({ uid, errors }: FieldProps, name: string) => (errors[name] ? `${uid}-${name}-err` : undefined);

export function FieldError({ uid, errors, name }: FieldProps & { name: string }) {
  return errors[name] ? (
    <p id={`${uid}-${name}-err`} className="mt-1 text-xs text-red-700 dark:text-red-400" data-testid={`error-${name}`}>
      {errors[name]}
    </p>
  ) : null;
}
