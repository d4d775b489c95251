/* global document, window, requestAnimationFrame, KeyboardEvent, sessionStorage */
// The browser suite: real Chromium (playwright-core + Debian's chromium) against the
// real backend in embedded mode and the built web app. Run: npm run test:e2e -w web
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { NOTIFICATION_HOOK, shotsDir, startStack } from './harness.mjs';

const user = { name: 'Ada Lovelace', email: `ada+${Date.now()}@example.com`, password: 'correct-horse-battery' };
let stack;
let ctx;
let page;

// Animations (e.g. the fade on newly arrived rows) are finished before the picture is taken.
const shot = (p, name) => p.screenshot({ path: join(shotsDir, `${name}.png`), animations: 'disabled' });
const row = (p, title) => p.locator('[data-task-id]', { has: p.getByRole('button', { name: title, exact: true }) });
/** Calls the API from inside the page (same origin, session cookie). */
const apiCall = (p, path, init) =>
  p.evaluate(
    async ([path, init]) => {
      const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    [path, init],
  );

async function newContext(opts = {}) {
  const c = await stack.browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
    ...opts,
  });
  await c.grantPermissions(['notifications'], { origin: stack.webUrl });
  await c.addInitScript(NOTIFICATION_HOOK);
  return c;
}

async function signIn(p) {
  await p.goto(`${stack.webUrl}/sign-in`);
  await p.getByLabel('E-mail').fill(user.email);
  await p.getByLabel('Password').fill(user.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByLabel('Add a task').waitFor();
}

async function quickAdd(p, text) {
  const input = p.getByLabel('Add a task');
  await input.fill(text);
  await p
    .getByTestId('preview-due')
    .or(p.getByTestId('preview-tag'))
    .or(p.getByTestId('preview-priority'))
    .first()
    .waitFor({ timeout: 5000 })
    .catch(() => {});
  await input.press('Enter');
}

describe('Kairos in the browser', { timeout: 300_000 }, () => {
  before(async () => {
    stack = await startStack();
    ctx = await newContext();
    page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await stack?.stop();
  });

  it('sends a visitor to sign-in and signs up a new user', async () => {
    await page.goto(stack.webUrl);
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/sign-up/);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Enter a valid e-mail address.').waitFor();
    await page.getByLabel('Name').fill(user.name);
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Add a task').waitFor();
    await page.getByTestId('empty-state').waitFor();
  });

  it('quick-add previews what it understood and adds the task', async () => {
    const input = page.getByLabel('Add a task');
    await input.fill('Pay rent every month on the 1st at 9am #home !high ^1d');
    const recurrence = page.getByTestId('preview-recurrence');
    await recurrence.waitFor();
    assert.match(await recurrence.innerText(), /month/i);
    assert.match(await page.getByTestId('preview-due').innerText(), /9/);
    assert.equal(await page.getByTestId('preview-tag').innerText(), 'home');
    assert.match(await page.getByTestId('preview-priority').innerText(), /High/);
    assert.match(await page.getByTestId('preview-reminder').innerText(), /1 day before/);
    await shot(page, 'quick-add-preview');
    await input.press('Enter');
    const r = row(page, 'Pay rent');
    await r.waitFor();
    const text = await r.innerText();
    assert.match(text, /#home/);
    assert.match(text, /month/i);
    assert.match(text, /High/);
  });

  it('keeps a task being added in the list while later adds answer and the list refetches', async () => {
    // "Write report" is held 1.5 s on its way to the API; the two adds after it answer
    // first, and each answer (and its realtime event) makes the list refetch without it
    const isSlowAdd = (req) => req.method() === 'POST' && /^Write report/.test(req.postDataJSON()?.text ?? '');
    let slowAnswered = false;
    const hold = async (route) => {
      if (!isSlowAdd(route.request())) return route.fallback();
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    };
    const isTasks = (url) => url.pathname === '/api/v1/tasks';
    await page.route(isTasks, hold);
    page.on('requestfinished', (req) => {
      if (isSlowAdd(req)) slowAnswered = true;
    });
    // From the moment its row first shows: how often it was missing (sampled every 10 ms).
    await page.evaluate(() => {
      const probe = { seen: false, missing: 0 };
      window.__slowAddProbe = probe;
      const present = () =>
        [...document.querySelectorAll('[data-task-id] button[tabindex="-1"]')].some((b) => b.textContent === 'Write report');
      probe.timer = setInterval(() => {
        if (present()) probe.seen = true;
        else if (probe.seen) probe.missing++;
      }, 10);
    });

    for (const t of [
      'Buy milk tomorrow #errands',
      'Write report friday 5pm #work !medium',
      'Call mom p3',
      'Water plants every day at 8am #home',
    ]) {
      await quickAdd(page, t);
    }
    await row(page, 'Water plants').waitFor();
    await row(page, 'Call mom').waitFor();
    const deadline = Date.now() + 10_000;
    while (!slowAnswered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(slowAnswered, 'the held add was answered');
    await row(page, 'Write report').waitFor();
    await page.unrouteAll({ behavior: 'wait' }); // lets a request in its handler finish first
    const probe = await page.evaluate(() => {
      clearInterval(window.__slowAddProbe.timer);
      return window.__slowAddProbe;
    });
    assert.ok(probe.seen, 'the held add showed at once');
    assert.equal(probe.missing, 0, 'the held add never left the list');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);
    assert.equal(await page.locator('[data-task-id]').count(), 5);
  });

  it('filters, searches and sorts', async () => {
    const rows = page.locator('[data-task-id]');
    await page.getByRole('group', { name: 'Priority' }).getByRole('button', { name: 'high' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 1);
    assert.match(await rows.first().innerText(), /Pay rent/);
    await page.getByRole('button', { name: /Clear 1 filter/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);

    await page.getByLabel('Tag', { exact: true }).selectOption('home');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 2);
    await page.getByRole('button', { name: /Clear 1 filter/ }).click();

    await page.getByLabel('Search tasks').fill('milk');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 1);
    assert.match(await rows.first().innerText(), /Buy milk/);
    await page.getByLabel('Search tasks').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);

    await page.getByLabel('Sort by').selectOption('title');
    await page.waitForFunction(() => document.querySelector('[data-task-id] button[tabindex="-1"]')?.textContent === 'Buy milk');
    const titles = await page.locator('[data-task-id] button[tabindex="-1"]').allInnerTexts();
    assert.deepEqual(
      titles,
      [...titles].sort((a, b) => a.localeCompare(b)),
    );
    await page.getByLabel('Sort by').selectOption('');

    await page.getByRole('button', { name: 'Completed' }).click();
    await page.getByTestId('empty-state').waitFor();
    await page.getByRole('button', { name: 'All tasks' }).click();
    await row(page, 'Pay rent').waitFor();
    await shot(page, 'list');
  });

  it('saves a view and opens it again', async () => {
    await page.getByLabel('Tag', { exact: true }).selectOption('home');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByLabel('View name').fill('Home');
    await page.getByLabel('View name').press('Enter');
    const view = page.getByRole('navigation', { name: 'Lists' }).getByRole('button', { name: 'Home', exact: true });
    await view.waitFor();
    await page.getByRole('button', { name: 'All tasks' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);
    await view.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 2);
    await page.getByRole('button', { name: 'All tasks' }).click();
  });

  it('keeps the view in the URL: a link opens it, back and forward step through it, a reload keeps it', async () => {
    const rows = () => page.evaluate(() => document.querySelectorAll('[data-task-id]').length);
    const params = () => Object.fromEntries(new URL(page.url()).searchParams);
    const panel = page.getByTestId('task-panel');
    const high = page.getByRole('group', { name: 'Priority' }).getByRole('button', { name: 'high' });
    assert.deepEqual(params(), {}, 'all tasks, unfiltered: a bare URL');

    await high.click();
    await page.waitForURL((u) => u.searchParams.get('priority') === 'high');
    await page.getByLabel('Search tasks').fill('rent');
    await page.waitForURL((u) => u.searchParams.get('q') === 'rent');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 1);
    const id = await row(page, 'Pay rent').getAttribute('data-task-id');
    await row(page, 'Pay rent').getByRole('button', { name: 'Pay rent', exact: true }).click();
    await panel.waitFor();
    await page.waitForURL((u) => u.searchParams.get('task') === id);
    assert.deepEqual(params(), { priority: 'high', q: 'rent', task: id });

    // A link to this view, opened by the same user elsewhere, shows the same.
    const other = await newContext();
    try {
      const p2 = await other.newPage();
      await signIn(p2);
      await p2.goto(page.url());
      await p2.getByTestId('task-panel').getByLabel('Title').and(p2.locator('[value="Pay rent"]')).waitFor();
      await p2.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 1);
      assert.equal(await p2.getByLabel('Search tasks').inputValue(), 'rent');
      assert.equal(
        await p2.getByRole('group', { name: 'Priority' }).getByRole('button', { name: 'high' }).getAttribute('aria-pressed'),
        'true',
      );
    } finally {
      await other.close();
    }

    // Back: the editor closes, then the search goes, then the filter.
    await page.goBack();
    await panel.waitFor({ state: 'detached' });
    assert.deepEqual(params(), { priority: 'high', q: 'rent' });
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('q'));
    assert.equal(await page.getByLabel('Search tasks').inputValue(), '');
    assert.equal(await rows(), 1);
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);
    assert.deepEqual(params(), {});
    assert.equal(await high.getAttribute('aria-pressed'), 'false');

    // Forward again, then a reload: the same list, filter, search and open task.
    await page.goForward();
    await page.goForward();
    await page.goForward();
    await panel.waitFor();
    await page.reload();
    await panel.getByLabel('Title').and(page.locator('[value="Pay rent"]')).waitFor();
    assert.deepEqual(params(), { priority: 'high', q: 'rent', task: id });
    assert.equal(await page.getByLabel('Search tasks').inputValue(), 'rent');
    assert.equal(await rows(), 1);

    // Closing the editor and choosing a list (by its shortcut) change the URL too.
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await panel.waitFor({ state: 'detached' });
    assert.deepEqual(params(), { priority: 'high', q: 'rent' });
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('5');
    await page.waitForURL((u) => u.searchParams.get('list') === 'completed');
    assert.deepEqual(params(), { list: 'completed', q: 'rent' }, 'a new list starts unfiltered, the search stays');
    await page.getByLabel('Search tasks').fill('');
    await page.waitForURL((u) => !u.searchParams.has('q'));
    await page.getByRole('button', { name: 'All tasks' }).click();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 5);
  });

  it("shows how many open tasks each list holds; the lists' shortcuts are hints, not numbers", async () => {
    const nav = page.getByRole('navigation', { name: 'Lists' });
    await nav.getByRole('button', { name: 'All tasks, 5 tasks', exact: true }).waitFor();
    assert.equal(await nav.locator('kbd').count(), 0, 'no bare digits beside the lists');
    const today = nav.getByRole('button', { name: /^Today/ });
    assert.equal(await today.getAttribute('aria-keyshortcuts'), '2');
    assert.match(await today.getAttribute('title'), /press 2/);
    assert.equal(await nav.getByTestId('count-completed').count(), 0, 'completed tasks are not counted');

    /** Waits until the sidebar shows `n` beside a list (no number: 0). */
    const countIs = (list, n) =>
      page.waitForFunction(
        ([list, n]) => {
          const el = document.querySelector(`nav [data-testid="count-${list}"]`);
          return (el ? Number(el.textContent.match(/\d+/)[0]) : 0) === n;
        },
        [list, n],
      );
    const endOfToday = await page.evaluate(() => {
      const d = new Date();
      d.setHours(23, 59, 0, 0);
      return d.toISOString();
    });
    const dueToday = await apiCall(page, `/api/v1/tasks?status=pending&due_to=${encodeURIComponent(endOfToday)}&limit=200`);
    const before = dueToday.body.items.length;
    await countIs('today', before);
    const created = await apiCall(page, '/api/v1/tasks', {
      method: 'POST',
      body: JSON.stringify({ title: 'Counted today', due_at: endOfToday, time_zone: 'Europe/Berlin' }),
    });
    assert.equal(created.status, 201);
    await countIs('today', before + 1);
    await nav.getByRole('button', { name: 'All tasks, 6 tasks', exact: true }).waitFor();
    const deleted = await page.evaluate((id) => fetch(`/api/v1/tasks/${id}`, { method: 'DELETE' }).then((r) => r.status), created.body.id);
    assert.equal(deleted, 204);
    await nav.getByRole('button', { name: 'All tasks, 5 tasks', exact: true }).waitFor();
    await countIs('today', before);
  });

  it('completing a recurring task brings its next occurrence', async () => {
    const first = row(page, 'Water plants');
    const firstId = await first.getAttribute('data-task-id');
    const firstDue = await first.innerText();
    await first.getByRole('checkbox').click();
    await page.waitForFunction(
      (id) => {
        const rows = [...document.querySelectorAll('[data-task-id]')].filter((r) => r.textContent.includes('Water plants'));
        return (
          rows.length === 1 &&
          rows[0].getAttribute('data-task-id') !== id &&
          rows[0].querySelector('[role=checkbox]').getAttribute('aria-checked') === 'false'
        );
      },
      firstId,
      { timeout: 10_000 },
    );
    const next = row(page, 'Water plants');
    assert.notEqual(await next.innerText(), firstDue, 'the next occurrence has a later due date');
    await page.getByRole('button', { name: 'Completed' }).click();
    await row(page, 'Water plants').waitFor();
    await page.getByRole('button', { name: 'All tasks' }).click();
  });

  it('shows a due reminder in-app and as a browser notification', async () => {
    const due = new Date(Date.now() + 4000).toISOString();
    const res = await apiCall(page, '/api/v1/tasks', {
      method: 'POST',
      body: JSON.stringify({ title: 'Stretch your legs', due_at: due, time_zone: 'Europe/Berlin', reminders: [{ minutes_before: 0 }] }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await page.getByTestId('unread-count').waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => window.__notifications.some((n) => n.title === 'Stretch your legs'), null, { timeout: 10_000 });
    await page.getByTestId('notification-bell').click();
    await page.getByTestId('notification-list').getByText('Stretch your legs').waitFor();
    await shot(page, 'notifications');
    await page.keyboard.press('Escape');
  });

  it("keeps the reminder preferences: e-mail on or off, this device's time zone", async () => {
    const email = page.getByRole('checkbox', { name: 'E-mail me reminders too' });
    assert.equal(await email.isChecked(), false, 'e-mail reminders start off');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/me/preferences') && r.request().method() === 'PUT'), email.check()]);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/me/preferences') && r.request().method() === 'PUT'),
      page.getByRole('button', { name: 'Use Europe/Berlin' }).click(),
    ]);
    const saved = await apiCall(page, '/api/v1/me/preferences');
    assert.deepEqual(saved.body, { email_reminders: true, time_zone: 'Europe/Berlin' });
    await page.reload();
    await page.getByTestId('pref-time-zone').filter({ hasText: 'Europe/Berlin' }).waitFor();
    assert.equal(await email.isChecked(), true, 'the choice survives a reload');
    assert.equal(await page.getByRole('button', { name: 'Use Europe/Berlin' }).count(), 0);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/me/preferences') && r.request().method() === 'PUT'),
      email.uncheck(),
    ]);
    assert.equal((await apiCall(page, '/api/v1/me/preferences')).body.email_reminders, false);
  });

  it('an edit in one browser shows up in another within a second', async () => {
    const ctx2 = await newContext();
    const page2 = await ctx2.newPage();
    try {
      await signIn(page2);
      await row(page2, 'Buy milk').waitFor();
      await page2.getByTestId('connection').and(page2.locator('[data-state="live"]')).waitFor();
      await page.getByTestId('connection').and(page.locator('[data-state="live"]')).waitFor();

      await row(page, 'Buy milk').getByRole('button', { name: 'Buy milk', exact: true }).click();
      const panel = page.getByTestId('task-panel');
      await panel.waitFor();
      await panel.getByLabel('Title').fill('Buy oat milk');
      await panel.getByLabel('Description').fill('The barista edition, 2 cartons.');
      await panel.getByRole('radio', { name: 'High' }).check({ force: true });
      await shot(page, 'edit-panel');
      const t0 = Date.now();
      await panel.getByRole('button', { name: 'Save' }).click();
      await row(page2, 'Buy oat milk').waitFor({ timeout: 3000 });
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `second browser saw the change after ${ms} ms`);

      // The other direction, through the API (another device).
      const id = await row(page2, 'Buy oat milk').getAttribute('data-task-id');
      const r = await apiCall(page2, `/api/v1/tasks/${id}`, { method: 'PATCH', body: JSON.stringify({ title: 'Buy oat milk and bread' }) });
      assert.equal(r.status, 200);
      await row(page, 'Buy oat milk and bread').waitFor({ timeout: 1500 });
    } finally {
      await ctx2.close();
    }
  });

  it('shows the task history and validates fields next to them', async () => {
    await row(page, 'Buy oat milk and bread').getByRole('button', { name: 'Buy oat milk and bread', exact: true }).click();
    const panel = page.getByTestId('task-panel');
    await panel.getByRole('tab', { name: 'history' }).click();
    await panel.getByTestId('history').getByText('Created').waitFor();
    await panel.getByTestId('history').getByText('Updated').first().waitFor();
    await panel.getByRole('tab', { name: 'details' }).click();
    await panel.getByLabel('Title').fill('');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('error-title').waitFor();
    await panel.getByLabel('Title').fill('x'.repeat(5) + ' ok');
    await panel.getByLabel('Repeat', { exact: true }).selectOption('custom');
    await panel.getByLabel('RRULE (RFC 5545)').fill('FREQ=WEEKLY;BYDAY=MO,WE');
    assert.match(await panel.getByTestId('rule-summary').innerText(), /Every week on Monday and Wednesday/);
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await panel.waitFor({ state: 'detached' });
  });

  it('works with the keyboard alone', async () => {
    await page
      .locator('body')
      .click({ position: { x: 5, y: 790 } })
      .catch(() => {});
    await page.keyboard.press('Escape');
    await page.keyboard.press('n');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'quick-add');
    await page.keyboard.type('Keyboard only task tomorrow #kb');
    await page.getByTestId('preview-tag').waitFor();
    await page.keyboard.press('Enter');
    await row(page, 'Keyboard only task').waitFor();
    await page.keyboard.press('Escape'); // leave the field
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
    await page.keyboard.type('Keyboard only');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length === 1);
    await page.keyboard.press('Enter'); // to the results
    await page.keyboard.press('e');
    const panel = page.getByTestId('task-panel');
    await panel.waitFor();
    await page.waitForFunction(() => document.activeElement?.id.endsWith('-title'), null, { timeout: 2000 }); // the editor opens with the title focused
    await page.keyboard.press('End');
    await page.keyboard.type(' (edited)');
    await page.keyboard.press('Control+Enter');
    await panel.waitFor({ state: 'detached' });
    await row(page, 'Keyboard only task (edited)').waitFor();
    await page.keyboard.press('x');
    await page.waitForFunction(() => document.querySelector('[data-task-id] [role=checkbox]')?.getAttribute('aria-checked') === 'true');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'hidden' });
    await page.locator('#search').focus();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelectorAll('[data-task-id]').length >= 4);
    const focusedIndex = () => page.evaluate(() => [...document.querySelectorAll('[data-task-id]')].indexOf(document.activeElement));
    await page.keyboard.press('j');
    await page.waitForFunction(() => document.activeElement?.hasAttribute('data-task-id'), null, { timeout: 2000 });
    await page.waitForTimeout(800); // let the list settle after the completion above
    const start = await focusedIndex();
    await page.keyboard.press('j');
    await page.waitForFunction((i) => [...document.querySelectorAll('[data-task-id]')].indexOf(document.activeElement) === i + 1, start, {
      timeout: 2000,
    });
    await page.keyboard.press('k');
    await page.waitForFunction((i) => [...document.querySelectorAll('[data-task-id]')].indexOf(document.activeElement) === i, start, {
      timeout: 2000,
    });
    await page.keyboard.press('e');
    await page.getByTestId('task-panel').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('task-panel').waitFor({ state: 'detached' });
  });

  it('has no serious or critical accessibility violations', async () => {
    const scan = async (p, where) => {
      const result = await new AxeBuilder({ page: p }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map(
          (v) =>
            `${where}: ${v.id} — ${v.help} (${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')})`,
        ),
        [],
      );
    };
    await scan(page, 'list (light)');
    await row(page, 'Pay rent').getByRole('button', { name: 'Pay rent', exact: true }).click();
    await page.getByTestId('task-panel').waitFor();
    await scan(page, 'edit panel');
    await page.getByTestId('task-panel').getByRole('button', { name: 'Cancel' }).click();

    const dark = await newContext({ colorScheme: 'dark' });
    const dp = await dark.newPage();
    try {
      await signIn(dp);
      await row(dp, 'Pay rent').waitFor();
      await scan(dp, 'list (dark)');
      await shot(dp, 'dark');
      await dp.goto(`${stack.webUrl}/sign-up`);
      await scan(dp, 'sign-up (dark)');
    } finally {
      await dark.close();
    }
    const anon = await newContext();
    const ap = await anon.newPage();
    try {
      await ap.goto(`${stack.webUrl}/sign-in`);
      await scan(ap, 'sign-in');
      await shot(ap, 'sign-in');
    } finally {
      await anon.close();
    }
  });

  it('fits a 360 px wide phone', async () => {
    const mobile = await newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const mp = await mobile.newPage();
    try {
      await signIn(mp);
      await row(mp, 'Pay rent').waitFor();
      const overflow = await mp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
      await shot(mp, 'mobile');
      await mp.getByRole('button', { name: 'Open menu' }).click();
      await mp.getByRole('navigation', { name: 'Lists' }).getByRole('button', { name: 'Today' }).click();
      await mp.getByRole('heading', { name: 'Today' }).waitFor();
    } finally {
      await mobile.close();
    }
  });

  it('stays fast with 1,000 tasks', async () => {
    const created = await page.evaluate(async () => {
      let ok = 0;
      const one = (i) =>
        fetch('/api/v1/tasks', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            title: `Bulk task ${String(i).padStart(4, '0')}`,
            priority: ['none', 'low', 'medium', 'high'][i % 4],
            tags: [`bulk${i % 5}`],
          }),
        }).then((r) => r.ok && ok++);
      for (let i = 0; i < 1000; i += 25) await Promise.all(Array.from({ length: 25 }, (_, j) => one(i + j)));
      return ok;
    });
    assert.equal(created, 1000);
    await page.reload();
    await row(page, 'Pay rent').waitFor();
    const rendered = await page.locator('[data-task-id]').count();
    assert.ok(rendered < 80, `only visible rows are in the DOM (${rendered})`);
    await page.locator('[data-task-id]').first().focus();
    // Interaction latency: key press → selection painted.
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const focused = () => document.activeElement;
            const before = focused()?.getAttribute('data-task-id');
            const t0 = performance.now();
            focused().dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
            let frames = 0;
            let gaveUp = false;
            // no hang: after 5 s say where the focus is instead
            const giveUp = setTimeout(() => {
              gaveUp = true;
              const at = focused();
              resolve(
                `no move from row ${before} in 5 s (${frames} frames): focus on <${at?.tagName} ${at?.getAttribute('data-task-id') ?? ''}>, visibility ${document.visibilityState}`,
              );
            }, 5000);
            const check = () => {
              if (gaveUp) return;
              frames++;
              const now = focused()?.getAttribute('data-task-id');
              if (now && now !== before) requestAnimationFrame(() => (clearTimeout(giveUp), resolve(performance.now() - t0)));
              else requestAnimationFrame(check);
            };
            check();
          }),
      );
      assert.equal(typeof t, 'number', `j press ${i + 1}: ${t}`);
      times.push(t);
    }
    times.sort((a, b) => a - b);
    const p90 = times[Math.floor(times.length * 0.9)];
    assert.ok(p90 < 100, `j/k p90 ${p90.toFixed(1)} ms`);
    // Scroll to the end: pages load as you go.
    await page.getByTestId('task-scroller').evaluate(async (el) => {
      for (let i = 0; i < 40; i++) {
        el.scrollTop = el.scrollHeight;
        await new Promise((r) => setTimeout(r, 150));
      }
    });
    await row(page, 'Bulk task 0999').or(row(page, 'Bulk task 0000')).first().waitFor({ timeout: 15_000 });
  });

  it('exports your data as a file, and imports it again only once you confirm', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export my data' }).click()]);
    assert.match(download.suggestedFilename(), /^kairos-export-\d{4}-\d{2}-\d{2}\.json$/);
    const file = await download.path();
    const doc = JSON.parse(await readFile(file, 'utf8'));
    const count = async () => (await apiCall(page, '/api/v1/export')).body.tasks.length;
    const before = await count();
    assert.equal(doc.tasks.length, before);
    assert.ok(doc.tasks.some((t) => t.title === 'Bulk task 0999'));

    // The account has these tasks already: the app asks first; "Cancel" imports nothing.
    page.once('dialog', (d) => d.dismiss());
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/import') && r.status() === 409),
      page.getByLabel('Import a Kairos export').setInputFiles(file),
    ]);
    await page.getByRole('button', { name: 'Import…' }).waitFor(); // not "Importing…" any more
    assert.equal(await count(), before);

    page.once('dialog', (d) => d.accept());
    await page.getByLabel('Import a Kairos export').setInputFiles(file);
    await page.getByText(`Imported ${before} tasks`).waitFor({ timeout: 30_000 });
    assert.equal(await count(), 2 * before);
    // The import's live updates (two per task) reach this tab as a burst; it is handled in
    // batches and the tab keeps answering. Wait until the last one is in (the id the tab
    // resumes from stops moving), then use the app: the lists switch at once.
    let last = null;
    for (let quiet = 0, i = 0; quiet < 4 && i < 120; i++) {
      await page.waitForTimeout(250);
      const id = await page.evaluate(() => sessionStorage.getItem('kairos.lastEventId'));
      quiet = id === last ? quiet + 1 : 0;
      last = id;
    }
    // (not "Completed": the next test needs that list uncached, so that opening it asks the server)
    await page.getByRole('button', { name: 'Upcoming' }).click({ timeout: 5000 });
    await page.getByRole('heading', { name: 'Upcoming' }).waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'All tasks' }).click({ timeout: 5000 });
    await page.getByRole('heading', { name: 'All tasks' }).waitFor({ timeout: 5000 });
  });

  it('an expired session goes back to sign-in with a notice', async () => {
    await page.context().clearCookies();
    await page.getByRole('button', { name: 'Completed' }).click();
    await page.waitForURL(/\/sign-in\?expired=1/);
    await page.getByText('Your session has expired').waitFor();
  });
});
