/**
 * Validation and normalisation of task fields. The schemas are exported so the
 * HTTP layer can compose them and generate its OpenAPI document from them; they
 * use only features JSON Schema can express, plus plain `.transform`s that
 * normalise values (trim, lower-case, UTC instants) after validation.
 */
import { z } from 'zod';
import { DateTime } from 'luxon';
import { LIMITS, PRIORITIES } from './types.js';
import type { Reminder } from './types.js';
import { checkRule, untilBeforeStart } from './recurrence.js';

export const titleSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'Title is required' : 'Title must be a string') })
  .trim()
  .min(1, { error: 'Title is required' })
  .max(LIMITS.titleMax, { error: `Title must be at most ${LIMITS.titleMax} characters` })
  .describe(`What to do; surrounding whitespace is trimmed (1–${LIMITS.titleMax} characters)`);

export const descriptionSchema = z
  .string({ error: 'Description must be a string' })
  .max(LIMITS.descriptionMax, { error: `Description must be at most ${LIMITS.descriptionMax} characters` })
  .describe(`Free-form notes (at most ${LIMITS.descriptionMax} characters)`);

export const prioritySchema = z
  .enum(PRIORITIES, { error: `Priority must be one of ${PRIORITIES.join(', ')}` })
  .describe('How urgent the task is');

// ─── Tags ────────────────────────────────────────────────────────────────────

const TAG_CHARS = /^[\p{L}\p{N}_\-/]+$/u;

/** Canonical form of a tag: "  #Deep Work " → "deep-work". */
export function normaliseTag(raw: string): string {
  return raw.trim().replace(/^#+/, '').trim().toLowerCase().replace(/\s+/g, '-');
}

export const tagSchema = z
  .string({ error: 'Tag must be a string' })
  .transform((raw, ctx) => {
    const tag = normaliseTag(raw);
    if (tag === '') {
      ctx.issues.push({ code: 'custom', message: 'Tag must not be empty', input: raw });
    } else if (tag.length > LIMITS.tagMax) {
      ctx.issues.push({ code: 'custom', message: `Tag must be at most ${LIMITS.tagMax} characters`, input: raw });
    } else if (!TAG_CHARS.test(tag)) {
      ctx.issues.push({
        code: 'custom',
        message: 'Tag may contain only letters, digits, "-", "_" and "/"',
        input: raw,
      });
    }
    return tag;
  })
  .describe(
    `A label; normalised to lower case without a leading "#", spaces become "-" ` +
      `(letters, digits, "-", "_", "/"; at most ${LIMITS.tagMax} characters)`,
  );

export const tagsSchema = z
  .array(tagSchema, { error: 'Tags must be an array of strings' })
  .transform((tags, ctx) => {
    const unique = [...new Set(tags)];
    if (unique.length > LIMITS.tagsMax) {
      ctx.issues.push({ code: 'custom', message: `At most ${LIMITS.tagsMax} tags are allowed`, input: tags });
    }
    return unique;
  })
  .describe(`Labels, de-duplicated in order (at most ${LIMITS.tagsMax})`);

// ─── Time ────────────────────────────────────────────────────────────────────

/**
 * Zones already looked up. Resolving one builds an `Intl.DateTimeFormat`, ~65 µs — an
 * import of 5,000 tasks spent a tenth of its time there, and every quick-add pays it once.
 * Bounded: names come from clients, so the map is emptied when it is full.
 */
const zoneLookups = new Map<string, string | null>();
const ZONE_LOOKUPS_MAX = 1_000;

/** The canonical spelling of an IANA zone ("europe/berlin" → "Europe/Berlin"), or null if unknown. */
export function canonicalTimeZone(zone: string): string | null {
  const known = zoneLookups.get(zone);
  if (known !== undefined) return known;
  const canonical = resolveTimeZone(zone);
  if (zoneLookups.size >= ZONE_LOOKUPS_MAX) zoneLookups.clear();
  zoneLookups.set(zone, canonical);
  return canonical;
}

function resolveTimeZone(zone: string): string | null {
  if (zone.trim() === '') return null;
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return DateTime.local({ zone: canonical }).isValid ? canonical : null;
  } catch {
    return null;
  }
}

export const timeZoneSchema = z
  .string({ error: 'Time zone must be a string' })
  .transform((raw, ctx) => {
    const zone = canonicalTimeZone(raw);
    if (zone === null) {
      ctx.issues.push({ code: 'custom', message: `Unknown time zone "${raw}"; use an IANA name such as Europe/Berlin or UTC`, input: raw });
      return raw;
    }
    return zone;
  })
  .describe('IANA time zone, e.g. Europe/Berlin or UTC; recurrence and dates are computed in it');

// Dates the product stores and computes with: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.
// Anything outside (year 0000, year 10000 after an offset, "in 8000 years") is refused with a field message.
export const INSTANT_MIN_MS = Date.UTC(1970, 0, 1);
export const INSTANT_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const INSTANT_RANGE_MESSAGE = 'must be between 1970-01-01 and 9999-12-31 (UTC)';

/** Whether an instant (ms since epoch) is one the product can store. */
export function inInstantRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= INSTANT_MIN_MS && ms <= INSTANT_MAX_MS;
}

export const instantSchema = z.iso
  .datetime({ offset: true, error: 'Expected an ISO-8601 date-time with an offset, e.g. 2026-05-01T09:00:00+02:00' })
  .transform((raw, ctx) => {
    const dt = DateTime.fromISO(raw, { setZone: true });
    if (!dt.isValid) {
      ctx.issues.push({ code: 'custom', message: `"${raw}" is not a real date-time`, input: raw });
      return raw;
    }
    if (!inInstantRange(dt.toMillis())) {
      ctx.issues.push({ code: 'custom', message: `Date ${INSTANT_RANGE_MESSAGE}`, input: raw });
      return raw;
    }
    return dt.toUTC().toJSDate().toISOString();
  })
  .describe('ISO-8601 date-time with an offset, between 1970-01-01 and 9999-12-31 (UTC); stored as UTC (…Z)');

// ─── Reminders ───────────────────────────────────────────────────────────────

export const relativeReminderSchema = z
  .strictObject({
    minutes_before: z
      .int({ error: 'minutes_before must be a whole number' })
      .min(0, { error: 'minutes_before must be 0 or more' })
      .max(LIMITS.reminderMinutesMax, { error: `minutes_before must be at most ${LIMITS.reminderMinutesMax} (one year)` })
      .describe('Minutes before the due time (0 = at the due time)'),
  })
  .describe('Fires a number of minutes before the due time; needs a due date');

export const absoluteReminderSchema = z
  .strictObject({ at: instantSchema.describe('When the reminder fires') })
  .describe('Fires at a fixed instant');

export const reminderSchema = z
  .union([relativeReminderSchema, absoluteReminderSchema], {
    error: 'A reminder is either {"minutes_before": <minutes>} or {"at": "<ISO date-time>"}',
  })
  .describe('A reminder: relative to the due time, or at an absolute instant');

function reminderKey(reminder: Reminder): string {
  return 'minutes_before' in reminder ? `m:${reminder.minutes_before}` : `a:${reminder.at}`;
}

export const remindersSchema = z
  .array(reminderSchema, { error: 'Reminders must be an array' })
  .max(LIMITS.remindersMax, { error: `At most ${LIMITS.remindersMax} reminders are allowed` })
  .transform((reminders) => {
    const seen = new Set<string>();
    return reminders.filter((r) => {
      const key = reminderKey(r);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  })
  .describe(`Reminders, de-duplicated (at most ${LIMITS.remindersMax})`);

// ─── Recurrence ──────────────────────────────────────────────────────────────

export const ruleSchema = z
  .string({ error: 'Rule must be a string' })
  .max(LIMITS.ruleMax, { error: `Rule must be at most ${LIMITS.ruleMax} characters` })
  .transform((raw, ctx) => {
    const checked = checkRule(raw);
    if (!checked.ok) {
      ctx.issues.push({ code: 'custom', message: checked.message, input: raw });
      return raw;
    }
    return checked.rule;
  })
  .describe(
    'RFC 5545 RRULE body without DTSTART, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR. ' +
      'FREQ is DAILY, WEEKLY, MONTHLY or YEARLY; COUNT or UNTIL end the series. An "RRULE:" prefix is accepted.',
  );

export const recurrenceModeSchema = z
  .enum(['due', 'completion'], { error: 'Recurrence mode must be "due" or "completion"' })
  .describe('"due": next date follows the previous due date; "completion": counted from when the task was completed');

export const recurrenceSchema = z
  .strictObject({
    rule: ruleSchema,
    mode: recurrenceModeSchema.default('due'),
  })
  .describe("Repeats the task; the due date (in the task's time zone) is the start of the series");

// ─── Whole objects ───────────────────────────────────────────────────────────

const optionalFields = {
  description: descriptionSchema.optional(),
  priority: prioritySchema.optional(),
  tags: tagsSchema.optional(),
  due_at: instantSchema.nullable().optional().describe('Due date-time (ISO-8601 with offset), or null for none'),
  time_zone: timeZoneSchema.optional(),
  reminders: remindersSchema.optional(),
  recurrence: recurrenceSchema.nullable().optional().describe('Recurrence, or null for a one-off task'),
};

/** Fields of a new task. Unknown fields are rejected. */
export const newTaskFieldsSchema = z.strictObject({ title: titleSchema, ...optionalFields }).describe('A new task');

/** Fields of a partial update. Unknown fields are rejected. */
export const taskPatchFieldsSchema = z
  .strictObject({
    title: titleSchema.optional(),
    ...optionalFields,
    completed: z.boolean({ error: 'completed must be true or false' }).optional().describe('Mark complete or reopen'),
  })
  .describe('Fields to change; omitted fields keep their value');

export type NewTaskFields = z.output<typeof newTaskFieldsSchema>;
export type TaskPatchFields = z.output<typeof taskPatchFieldsSchema>;

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Rules that span fields, checked on the task as it will be stored (for an update,
 * merge the patch into the current task first).
 */
export function checkTaskInvariants(fields: {
  due_at?: string | null;
  time_zone?: string;
  reminders?: Reminder[];
  recurrence?: { rule: string; mode: string } | null;
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const hasDue = fields.due_at !== null && fields.due_at !== undefined;
  // Values that did not pass through the field schemas (a parsed quick-add line) are held
  // to the same ranges here: a clear 422 rather than a silently different task.
  if (hasDue && !inInstantRange(Date.parse(fields.due_at as string))) {
    problems.push({ path: 'due_at', message: `Due date ${INSTANT_RANGE_MESSAGE}` });
  }
  (fields.reminders ?? []).forEach((reminder, index) => {
    if ('minutes_before' in reminder) {
      const m = reminder.minutes_before;
      if (!Number.isInteger(m) || m < 0 || m > LIMITS.reminderMinutesMax) {
        problems.push({
          path: `reminders.${index}.minutes_before`,
          message: `A reminder can be at most ${LIMITS.reminderMinutesMax} minutes (one year) before the due time`,
        });
      }
    } else if (!inInstantRange(Date.parse(reminder.at))) {
      problems.push({ path: `reminders.${index}.at`, message: `Reminder time ${INSTANT_RANGE_MESSAGE}` });
    }
  });
  if (fields.recurrence) {
    const checked = checkRule(fields.recurrence.rule);
    if (!checked.ok) problems.push({ path: 'recurrence.rule', message: checked.message });
    else if (hasDue && problems.length === 0 && untilBeforeStart(checked.rule, fields.due_at as string, fields.time_zone ?? 'UTC')) {
      problems.push({ path: 'recurrence.rule', message: 'UNTIL is before the first occurrence (the due date): the series would be empty' });
    }
  }
  if (!hasDue) {
    (fields.reminders ?? []).forEach((reminder, index) => {
      if ('minutes_before' in reminder) {
        problems.push({ path: `reminders.${index}`, message: 'A reminder relative to the due time needs a due date' });
      }
    });
    if (fields.recurrence) {
      problems.push({ path: 'recurrence', message: 'A recurring task needs a due date to start from' });
    }
  }
  return problems;
}
