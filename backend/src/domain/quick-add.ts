/**
 * Quick-add: one line of text → a task's fields. The grammar and its decisions
 * are documented in `docs/quick-add.md`.
 *
 * Dates and times are chrono-node's job; recurrence phrases, which chrono does
 * not understand, are matched here and turned into RRULE bodies that `rrule`
 * evaluates. Every consumed span is blanked out of a working copy of the text
 * (same length, so indexes stay aligned) and the title is what is left.
 */
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import type { Priority, Recurrence, Reminder } from './types.js';
import { LIMITS } from './types.js';
import { canonicalTimeZone, normaliseTag } from './task.js';
import { checkRule, firstOccurrenceFrom, wallClockToInstant } from './recurrence.js';

export interface QuickAddResult {
  title: string;
  due_at: string | null;
  time_zone: string;
  recurrence: Recurrence | null;
  tags: string[];
  priority: Priority;
  reminders: Reminder[];
}

/**
 * The line says something that cannot be a task as written ("every 0 days", a reminder
 * centuries ahead): rejected with a message, never turned into a different task.
 */
export class QuickAddError extends Error {
  constructor(
    message: string,
    readonly phrase: string,
  ) {
    super(message);
  }
}

/** Time of day used when a date is given without a time ("tomorrow", "every month on the 1st"). */
export const DEFAULT_TIME_OF_DAY = { hour: 9, minute: 0 } as const;

// Characters of quoted text: never parsed, kept in the title. Not whitespace and
// not a word character, so no pattern matches across or into them.
const PROTECTED = '\uE000';

/** Working copy of the input: consumed spans become spaces, quoted text becomes PROTECTED. */
class Scan {
  readonly original: string;
  private readonly consumed: boolean[];
  text: string;

  constructor(original: string) {
    this.original = original;
    this.text = original;
    this.consumed = Array.from({ length: original.length }, () => false);
  }

  consume(start: number, end: number): void {
    for (let i = start; i < end; i++) this.consumed[i] = true;
    this.text = this.text.slice(0, start) + ' '.repeat(end - start) + this.text.slice(end);
  }

  protect(start: number, end: number): void {
    this.text = this.text.slice(0, start) + PROTECTED.repeat(end - start) + this.text.slice(end);
  }

  /** The original text without consumed characters, whitespace collapsed. */
  remainder(): string {
    let out = '';
    for (let i = 0; i < this.original.length; i++) out += this.consumed[i] ? ' ' : this.original[i];
    return out.replace(/\s+/g, ' ').trim();
  }
}

// ─── Tags, priority, reminders ───────────────────────────────────────────────

function takeTags(scan: Scan): string[] {
  const tags: string[] = [];
  for (const m of scan.text.matchAll(/(?<![\p{L}\p{N}_#&])#([\p{L}\p{N}_\-/]+)/gu)) {
    const tag = normaliseTag(m[1] ?? '');
    if (tag.length === 0 || tag.length > LIMITS.tagMax) continue;
    if (!tags.includes(tag) && tags.length < LIMITS.tagsMax) tags.push(tag);
    scan.consume(m.index, m.index + m[0].length);
  }
  return tags;
}

const PRIORITY_TOKENS: Record<string, Priority> = {
  '!high': 'high',
  '!medium': 'medium',
  '!med': 'medium',
  '!low': 'low',
  '!none': 'none',
  '!!!': 'high',
  '!!': 'medium',
  '!': 'low',
  p1: 'high',
  p2: 'medium',
  p3: 'low',
  p4: 'none',
};

function takePriority(scan: Scan): Priority {
  let priority: Priority | null = null;
  const re = /(?<=^|\s)(!high|!medium|!med|!low|!none|!!!|!!|!|p[1-4])(?=\s|$)/giu;
  for (const m of scan.text.matchAll(re)) {
    // The first marker wins; later ones are still removed from the title.
    priority ??= PRIORITY_TOKENS[(m[1] ?? '').toLowerCase()] ?? null;
    scan.consume(m.index, m.index + m[0].length);
  }
  return priority ?? 'none';
}

const MINUTES_PER_UNIT: Record<string, number> = { m: 1, h: 60, d: 60 * 24, w: 60 * 24 * 7 };

function addReminder(reminders: Reminder[], minutes: number, phrase: string): void {
  if (!Number.isFinite(minutes) || minutes > LIMITS.reminderMinutesMax) {
    throw new QuickAddError(`"${phrase}": a reminder can be at most 365 days before the due time`, phrase);
  }
  if (reminders.some((r) => 'minutes_before' in r && r.minutes_before === minutes)) return;
  if (reminders.length >= LIMITS.remindersMax) {
    throw new QuickAddError(`"${phrase}": a task has at most ${LIMITS.remindersMax} reminders`, phrase);
  }
  reminders.push({ minutes_before: minutes });
}

/** `^30m`, `^1h30m`, `^1d`, `^0`. */
function takeCaretReminders(scan: Scan, reminders: Reminder[]): void {
  for (const m of scan.text.matchAll(/(?<=^|\s)\^((?:\d+[mhdw])+|0)(?=\s|$)/giu)) {
    let minutes = 0;
    for (const part of (m[1] ?? '').toLowerCase().matchAll(/(\d+)([mhdw])/g)) {
      minutes += Number(part[1]) * (MINUTES_PER_UNIT[part[2] ?? 'm'] ?? 1);
    }
    addReminder(reminders, minutes, m[0]);
    scan.consume(m.index, m.index + m[0].length);
  }
}

// "remind me 30 minutes before", "reminder 1 day and 2 hours before", "remind me at the due time".
const SPOKEN_UNITS: Array<[RegExp, number]> = [
  [/^(?:minutes?|mins?|m)$/i, 1],
  [/^(?:hours?|hrs?|h)$/i, 60],
  [/^(?:days?|d)$/i, 60 * 24],
  [/^(?:weeks?|wks?|w)$/i, 60 * 24 * 7],
  [/^months?$/i, 60 * 24 * 30],
  [/^(?:years?|yrs?)$/i, 60 * 24 * 365],
  [/^(?:century|centuries)$/i, 60 * 24 * 365 * 100],
];
const SPOKEN_NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  ten: 10,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  'forty-five': 45,
  'a couple of': 2,
  'a few': 3,
  half: 0.5,
  'half an': 0.5,
  'half a': 0.5,
};
const NUMBER_WORD = '(?:half\\s+an?|a\\s+couple\\s+of|a\\s+few|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty-five)';
const UNIT = '(?:minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|years?|yrs?|century|centuries)';
/** One amount and unit: "30 minutes", "30m", "an hour", "half an hour". */
const AMOUNT_UNIT = `(?<![\\p{L}\\p{N}])(\\d+(?:[.,]\\d+)?\\s*|${NUMBER_WORD}\\s+)(${UNIT})(?![\\p{L}\\p{N}])`;
const DURATION = `${AMOUNT_UNIT}(?:\\s*(?:,|and)?\\s*${AMOUNT_UNIT})*`.replace(/\((?!\?)/g, '(?:');
const BEFORE = "(?:before(?:\\s+(?:it(?:\\s+is|'s)?\\s+due|the\\s+due\\s+time|due|hand))?|beforehand|earlier|ahead|in\\s+advance|prior)";
const REMIND = '(?:(?:,|and|&)\\s*)?(?:remind(?:\\s+me)?|reminders?|alert(?:\\s+me)?|notify(?:\\s+me)?)';
const SPOKEN_REMINDER = new RegExp(
  `(?<![\\p{L}\\p{N}])${REMIND}\\s+(?:me\\s+)?(?:(${DURATION})\\s+${BEFORE}((?:\\s*(?:,|and)\\s*${DURATION}\\s+${BEFORE})*)|(at\\s+the\\s+due\\s+time|when\\s+(?:it\\s+is|it's)\\s+due|on\\s+time))(?![\\p{L}\\p{N}])`,
  'giu',
);

function spokenMinutes(duration: string): number {
  let minutes = 0;
  for (const part of duration.matchAll(new RegExp(AMOUNT_UNIT, 'giu'))) {
    const amount = (part[1] ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
    const n = SPOKEN_NUMBERS[amount] ?? Number(amount.replace(',', '.'));
    const unit = SPOKEN_UNITS.find(([re]) => re.test(part[2] ?? ''))?.[1] ?? 1;
    minutes += n * unit;
  }
  return Math.round(minutes);
}

function takeSpokenReminders(scan: Scan, reminders: Reminder[]): void {
  for (const m of scan.text.matchAll(SPOKEN_REMINDER)) {
    const phrase = m[0].replace(/^[\s,&]*(?:and\s+)?/i, '');
    if (m[3] !== undefined) addReminder(reminders, 0, phrase);
    else {
      for (const d of [m[1] ?? '', ...(m[2] ?? '').split(new RegExp(BEFORE, 'iu'))]) {
        if (/\d|[a-z]/i.test(d)) addReminder(reminders, spokenMinutes(d), phrase);
      }
    }
    scan.consume(m.index, m.index + m[0].length);
  }
}

function takeReminders(scan: Scan): Reminder[] {
  const reminders: Reminder[] = [];
  takeSpokenReminders(scan, reminders);
  takeCaretReminders(scan, reminders);
  return reminders;
}

// ─── Recurrence phrases ──────────────────────────────────────────────────────

const WEEKDAY_WORDS: Array<[RegExp, string]> = [
  [/^mon/i, 'MO'],
  [/^tue/i, 'TU'],
  [/^wed/i, 'WE'],
  [/^thu/i, 'TH'],
  [/^fri/i, 'FR'],
  [/^sat/i, 'SA'],
  [/^sun/i, 'SU'],
];
const WD = '(?:mondays?|mon|tuesdays?|tues|tue|wednesdays?|weds|wed|thursdays?|thurs|thur|thu|fridays?|fri|saturdays?|sat|sundays?|sun)';
const WD_LIST = `${WD}(?:\\s*(?:,|&|\\/|\\+|and)\\s*(?:and\\s+)?${WD})*`;
const NUMBER_WORDS: Record<string, number> = {
  other: 2,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const NUM = `(?:\\d{1,6}|${Object.keys(NUMBER_WORDS).join('|')})`;
const ORD_DAY = '(?:\\d{1,2}(?:st|nd|rd|th)|last\\s+day)';
const MONTH_DAYS = `(?:the\\s+)?${ORD_DAY}(?:\\s*(?:,|&|and)\\s*(?:and\\s+)?(?:the\\s+)?${ORD_DAY})*`;
const POSITION = '(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)';
const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const EVERY = 'every(!)?';
const OF_MONTH = '(?:\\s+of\\s+(?:the|every|each)\\s+month)?';

function weekdayCodes(list: string): string[] {
  const codes: string[] = [];
  for (const word of list.match(new RegExp(WD, 'gi')) ?? []) {
    const code = WEEKDAY_WORDS.find(([re]) => re.test(word))?.[1];
    if (code !== undefined && !codes.includes(code)) codes.push(code);
  }
  const order = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
  return codes.sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function count(word: string | undefined): number {
  if (word === undefined) return 1;
  return NUMBER_WORDS[word.toLowerCase()] ?? Number(word);
}

function monthDays(text: string): number[] {
  const days: number[] = [];
  for (const m of text.matchAll(/(\d{1,2})(?:st|nd|rd|th)|last\s+day/gi)) {
    const day = m[1] === undefined ? -1 : Number(m[1]);
    if (!days.includes(day)) days.push(day);
  }
  return days;
}

function positionNumber(word: string): number {
  const w = word.toLowerCase();
  if (w === 'last') return -1;
  return ['first', 'second', 'third', 'fourth', 'fifth'].indexOf(w) + 1 || Number(w.replace(/\D/g, ''));
}

function monthNumber(word: string): number {
  return ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(word.slice(0, 3).toLowerCase()) + 1;
}

function withInterval(freq: string, interval: number, rest = ''): string {
  // An interval of 0 stays in the rule, so that the rule check rejects it.
  return `FREQ=${freq}${interval !== 1 ? `;INTERVAL=${interval}` : ''}${rest}`;
}

interface PhrasePattern {
  re: RegExp;
  /** The RRULE body, or null when the match turns out not to be a rule (e.g. "every 31st" is fine, "every 40th" is not). */
  rule: (m: RegExpMatchArray) => string | null;
}

const g = (source: string) => new RegExp(`(?<![\\p{L}\\p{N}])${source}(?![\\p{L}\\p{N}])`, 'giu');

/** Phrases chrono does not understand; each captures "every!" as group 1 where it has one. */
const PHRASES: PhrasePattern[] = [
  { re: g(`(?:${EVERY}\\s+(?:weekday|work\\s?day)s?|(?:on\\s+)?()weekdays)`), rule: () => 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { re: g(`${EVERY}\\s+weekends?`), rule: () => 'FREQ=WEEKLY;BYDAY=SA,SU' },
  { re: g(`(?:${EVERY}\\s+(${NUM})\\s+days?|${EVERY}\\s+day|()daily)`), rule: (m) => withInterval('DAILY', count(m[2])) },
  {
    re: g(`(?:${EVERY}(?:\\s+(${NUM}))?\\s+weeks?|()weekly|()(?:bi-?weekly|fortnightly))(?:\\s+on\\s+(${WD_LIST}))?`),
    rule: (m) => {
      const interval = m[4] !== undefined ? 2 : count(m[2]);
      const days = m[5] === undefined ? '' : `;BYDAY=${weekdayCodes(m[5]).join(',')}`;
      return withInterval('WEEKLY', interval, days);
    },
  },
  {
    re: g(`${EVERY}(?:\\s+(other))?\\s+(${WD_LIST})`),
    rule: (m) => withInterval('WEEKLY', m[2] ? 2 : 1, `;BYDAY=${weekdayCodes(m[3] ?? '').join(',')}`),
  },
  {
    re: g(`(?:${EVERY}(?:\\s+(${NUM}))?\\s+months?|()monthly)(?:\\s+on\\s+(?:(${MONTH_DAYS})|(?:the\\s+)?(${POSITION})\\s+(${WD})))?`),
    rule: (m) => {
      const interval = count(m[2]);
      if (m[4] !== undefined) return withInterval('MONTHLY', interval, `;BYMONTHDAY=${monthDays(m[4]).join(',')}`);
      if (m[5] !== undefined && m[6] !== undefined) {
        return withInterval('MONTHLY', interval, `;BYDAY=${positionNumber(m[5])}${weekdayCodes(m[6])[0]}`);
      }
      return withInterval('MONTHLY', interval);
    },
  },
  { re: g(`${EVERY}\\s+(${MONTH_DAYS})${OF_MONTH}`), rule: (m) => `FREQ=MONTHLY;BYMONTHDAY=${monthDays(m[2] ?? '').join(',')}` },
  {
    re: g(
      `(?:${EVERY}\\s+(?:the\\s+)?(${POSITION})\\s+(${WD})${OF_MONTH}|(?:the\\s+)?(${POSITION})\\s+(${WD})\\s+of\\s+(?:every|each)\\s+month)`,
    ),
    rule: (m) => `FREQ=MONTHLY;BYDAY=${positionNumber(m[2] ?? m[4] ?? '')}${weekdayCodes(m[3] ?? m[5] ?? '')[0]}`,
  },
  {
    re: g(`(?:${EVERY}(?:\\s+(${NUM}))?\\s+years?|()(?:yearly|annually))(?:\\s+on\\s+(${MONTH})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?)?`),
    rule: (m) => {
      const interval = count(m[2]);
      const date = m[4] !== undefined && m[5] !== undefined ? `;BYMONTH=${monthNumber(m[4])};BYMONTHDAY=${Number(m[5])}` : '';
      return withInterval('YEARLY', interval, date);
    },
  },
  {
    re: g(`${EVERY}\\s+(${MONTH})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?`),
    rule: (m) => `FREQ=YEARLY;BYMONTH=${monthNumber(m[2] ?? '')};BYMONTHDAY=${Number(m[3])}`,
  },
];

const COMPLETION_SUFFIX = /^\s*\(?\s*(?:after|from)\s+(?:completion|completing|done|completed|finishing)\s*\)?/i;
const TIMES_SUFFIX = /^\s*(?:for\s+)?([1-9]\d{0,3})\s+times(?![\p{L}\p{N}])/iu;
const UNTIL_PREFIX = /^\s*until\s+/i;

interface RecurrencePhrase {
  recurrence: Recurrence;
}

function takeRecurrence(scan: Scan, reference: chrono.ParsingReference): RecurrencePhrase | null {
  let best: { m: RegExpMatchArray; pattern: PhrasePattern } | null = null;
  for (const pattern of PHRASES) {
    for (const m of scan.text.matchAll(pattern.re)) {
      const better =
        best === null || (m.index ?? 0) < (best.m.index ?? 0) || ((m.index ?? 0) === (best.m.index ?? 0) && m[0].length > best.m[0].length);
      if (better && pattern.rule(m) !== null) best = { m, pattern };
    }
  }
  if (best === null) return null;
  const start = best.m.index ?? 0;
  let end = start + best.m[0].length;
  let rule = best.pattern.rule(best.m) as string;
  let completion = /^every!/i.test(best.m[0]);

  // Modifiers directly after the phrase, in any order: "after completion", "5 times", "until <date>".
  for (let changed = true; changed;) {
    changed = false;
    const rest = scan.text.slice(end);
    const done = COMPLETION_SUFFIX.exec(rest);
    if (done) {
      completion = true;
      end += done[0].length;
      changed = true;
      continue;
    }
    const times = TIMES_SUFFIX.exec(rest);
    if (times && !/COUNT|UNTIL/.test(rule)) {
      rule += `;COUNT=${Number(times[1])}`;
      end += times[0].length;
      changed = true;
      continue;
    }
    const until = UNTIL_PREFIX.exec(rest);
    if (until && !/COUNT|UNTIL/.test(rule)) {
      const after = rest.slice(until[0].length);
      const date = chrono.casual.parse(after, reference, { forwardDate: true })[0];
      if (date && date.index === 0 && date.start.isCertain('day')) {
        const y = date.start.get('year') ?? 0;
        const mo = date.start.get('month') ?? 1;
        const d = date.start.get('day') ?? 1;
        rule += `;UNTIL=${String(y).padStart(4, '0')}${String(mo).padStart(2, '0')}${String(d).padStart(2, '0')}`;
        end += until[0].length + date.index + date.text.length;
        changed = true;
      }
    }
  }
  const checked = checkRule(rule);
  if (!checked.ok) {
    const phrase = scan.original.slice(start, end).trim();
    throw new QuickAddError(`"${phrase}" is not a repetition a task can have: ${checked.message}`, phrase);
  }
  scan.consume(start, end);
  // "5 times" and "after completion" may also stand elsewhere in the line ("daily at 9 for 5 times").
  const timesElsewhere = /(?<![\p{L}\p{N}])(?:for\s+)?([1-9]\d{0,3})\s+times(?![\p{L}\p{N}])/iu.exec(scan.text);
  let finalRule = checked.rule;
  if (timesElsewhere && !/COUNT|UNTIL/.test(finalRule)) {
    finalRule += `;COUNT=${Number(timesElsewhere[1])}`;
    scan.consume(timesElsewhere.index, timesElsewhere.index + timesElsewhere[0].length);
  }
  const elsewhere = /(?<![\p{L}\p{N}])\(?(?:after|from)\s+(?:completion|completing|done|completed|finishing)\)?(?![\p{L}\p{N}])/iu.exec(
    scan.text,
  );
  if (elsewhere) {
    completion = true;
    scan.consume(elsewhere.index, elsewhere.index + elsewhere[0].length);
  }
  return { recurrence: { rule: finalRule, mode: completion ? 'completion' : 'due' } };
}

// ─── Dates and times (chrono) ────────────────────────────────────────────────

interface WhenParts {
  /** Local calendar date, when the text names one. */
  date: { year: number; month: number; day: number } | null;
  /** Local time of day, when the text names one. */
  time: { hour: number; minute: number } | null;
  /** An exact instant, for relative expressions such as "in 2 hours". */
  instant: Date | null;
}

const CONNECTOR_BEFORE = /(?:^|\s)(?:due\s+(?:on|by|at)|due|on|at|by|starting|from|@)\s*$/i;

/**
 * A chrono result counts only if it names a day, a weekday, a time or a relative
 * offset; a bare month ("Review March report") stays in the title.
 */
function isDateLike(r: chrono.ParsedResult): boolean {
  const tags = r.tags();
  return r.start.isCertain('day') || r.start.isCertain('weekday') || hasTime(r) || tags.has('result/relativeDate');
}

const CASUAL_TIMES = ['tonight', 'morning', 'afternoon', 'evening', 'night', 'noon', 'midnight'];

/** A stated time of day, including chrono's casual ones ("tonight" → 22:00, "morning" → 06:00). */
function hasTime(r: chrono.ParsedResult): boolean {
  const tags = r.tags();
  return r.start.isCertain('hour') || CASUAL_TIMES.some((word) => tags.has(`casualReference/${word}`));
}

function takeWhen(scan: Scan, reference: chrono.ParsingReference): WhenParts {
  const results = chrono.casual.parse(scan.text, reference, { forwardDate: true }).filter(isDateLike);
  const hasDay = (r: chrono.ParsedResult) =>
    r.start.isCertain('day') || r.start.isCertain('weekday') || r.tags().has('result/relativeDate');
  // The last expression wins ("Prepare Monday slides tomorrow" is due tomorrow); a
  // separate time ("tomorrow #x at 6pm") is combined with it.
  const dated = [...results].reverse().find(hasDay) ?? null;
  const timed = [...results].reverse().find(hasTime) ?? null;
  const used = [...new Set([dated, timed].filter((r): r is chrono.ParsedResult => r !== null))];
  if (dated && timed && dated !== timed && hasTime(dated)) used.splice(used.indexOf(timed), 1);
  for (const r of used) {
    let start = r.index;
    const connector = CONNECTOR_BEFORE.exec(scan.text.slice(0, start));
    if (connector) start = connector.index + (connector[0].match(/^\s/) ? 1 : 0);
    scan.consume(start, r.index + r.text.length);
  }
  const relativeWithTime = dated?.tags().has('result/relativeDateAndTime') && dated.start.isCertain('hour');
  if (dated && relativeWithTime) return { date: null, time: null, instant: dated.start.date() };
  const timeSource = dated && hasTime(dated) ? dated : timed;
  return {
    date: dated ? { year: dated.start.get('year') ?? 0, month: dated.start.get('month') ?? 1, day: dated.start.get('day') ?? 1 } : null,
    time: timeSource ? { hour: timeSource.start.get('hour') ?? 0, minute: timeSource.start.get('minute') ?? 0 } : null,
    instant: null,
  };
}

// ─── Putting it together ─────────────────────────────────────────────────────

function floating(date: { year: number; month: number; day: number }, time: { hour: number; minute: number }): Date {
  return new Date(Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute));
}

function takeQuotes(scan: Scan): void {
  for (const m of scan.original.matchAll(/"([^"]+)"/g)) {
    scan.consume(m.index, m.index + 1);
    scan.consume(m.index + m[0].length - 1, m.index + m[0].length);
    scan.protect(m.index + 1, m.index + m[0].length - 1);
  }
}

/**
 * Parses one line such as `Pay rent every month on the 1st at 9am #home !high`.
 * `now` and `timeZone` fix what "tomorrow" and "9am" mean.
 */
export function parseQuickAdd(text: string, opts: { now: Date; timeZone: string }): QuickAddResult {
  const zone = canonicalTimeZone(opts.timeZone);
  if (zone === null) throw new RangeError(`Unknown time zone: ${opts.timeZone}`);
  const nowLocal = DateTime.fromJSDate(opts.now, { zone });
  // chrono takes a fixed offset; it is only used for the reference day and for
  // relative instants. Wall-clock results are re-read in the IANA zone below, so
  // a date on the other side of a DST switch still gets the right offset.
  const reference: chrono.ParsingReference = { instant: opts.now, timezone: nowLocal.offset };

  const scan = new Scan(text);
  takeQuotes(scan);
  const tags = takeTags(scan);
  const priority = takePriority(scan);
  const reminders = takeReminders(scan);
  const phrase = takeRecurrence(scan, reference);
  const when = takeWhen(scan, reference);

  const today = { year: nowLocal.year, month: nowLocal.month, day: nowLocal.day };
  const tomorrowLocal = nowLocal.plus({ days: 1 });
  const tomorrow = { year: tomorrowLocal.year, month: tomorrowLocal.month, day: tomorrowLocal.day };
  const time = when.time ?? DEFAULT_TIME_OF_DAY;
  /** Today at `time` if that is still ahead, else tomorrow. */
  const nextDayAt = () => {
    const todayAt = floating(today, time);
    return wallClockToInstant(todayAt, zone) > opts.now ? todayAt : floating(tomorrow, time);
  };

  let due: Date | null = null;
  let recurrence: Recurrence | null = null;
  if (phrase) {
    recurrence = phrase.recurrence;
    const start = when.instant ? DateTime.fromJSDate(when.instant, { zone }) : null;
    const startFloating = start ? floating(start, start) : when.date ? floating(when.date, time) : nextDayAt();
    const first = checkRule(recurrence.rule).ok ? firstOccurrenceFrom(recurrence.rule, startFloating, zone) : null;
    due = first ?? wallClockToInstant(startFloating, zone);
  } else if (when.instant) {
    due = when.instant;
  } else if (when.date) {
    due = wallClockToInstant(floating(when.date, time), zone);
  } else if (when.time) {
    due = wallClockToInstant(nextDayAt(), zone);
  }

  const remainder = scan.remainder().replace(/^[\s,;:\-–—]+|[\s,;:\-–—]+$/g, '');
  const title = remainder === '' ? text.replace(/\s+/g, ' ').trim() : remainder;
  return {
    title,
    // A date too far out for a Date ("in 10^9 years") stays as given in words, not a crash:
    // the title keeps the phrase and the date is left out of range for the checks to name.
    due_at: due === null ? null : Number.isFinite(due.getTime()) ? due.toISOString() : '+275760-09-13T00:00:00.000Z',
    time_zone: zone,
    recurrence,
    tags,
    priority,
    reminders,
  };
}
