/* global document */
// The assistant in the browser: the chat panel against the real backend and agent, with a
// scripted OpenAI-compatible model on 127.0.0.1 (the model is the only double). A message
// adds a task through the MCP tools; the answer streams in, the tool call shows as a chip
// that opens the task, and the task list shows the new task by itself (real-time channel).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { startStack } from './harness.mjs';

/** Streams one chat-completions answer: a tool call, or text in a few pieces. */
function streamAnswer(res, { text, tool }) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta, finish = null) =>
    res.write(
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'scripted', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  chunk({ role: 'assistant', content: '' });
  if (tool) {
    chunk({
      tool_calls: [
        { index: 0, id: `call_${Date.now()}`, type: 'function', function: { name: tool.name, arguments: JSON.stringify(tool.arguments) } },
      ],
    });
    chunk({}, 'tool_calls');
  } else {
    for (const piece of text.match(/.{1,8}/g)) chunk({ content: piece });
    chunk({}, 'stop');
  }
  res.end('data: [DONE]\n\n');
}

/** The model: "Add a task to buy groceries" → add_task, then a confirmation naming the task. */
function startModel() {
  const toolNames = [];
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const body = JSON.parse(raw);
    toolNames.push((body.tools ?? []).map((t) => t.function.name));
    const last = body.messages.at(-1);
    if (last.role === 'tool') {
      const result = JSON.parse(typeof last.content === 'string' ? last.content : last.content.map((c) => c.text).join(''));
      return streamAnswer(res, { text: `Added "${result.title}" (task ${result.task_id}).` });
    }
    return streamAnswer(res, { tool: { name: 'add_task', arguments: { title: 'Buy groceries' } } });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/v1`, toolNames })),
  );
}

describe('the assistant in the browser', { timeout: 300_000 }, () => {
  let model;
  let stack;
  let page;
  before(async () => {
    model = await startModel();
    stack = await startStack({ backendEnv: { LLM_BASE_URL: model.url, LLM_API_KEY: 'scripted', LLM_MODEL: 'scripted' } });
    const ctx = await stack.browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.webUrl}/sign-up`);
    await page.getByLabel('Name').fill('Chat User');
    await page.getByLabel('E-mail').fill(`chat+${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByLabel('Add a task').waitFor();
  });
  after(async () => {
    await stack?.stop();
    model?.server.close();
  });

  it('a message adds a task: streamed answer, a chip that opens the task, the list updated live', async () => {
    await page.keyboard.press('Alt+a');
    const input = page.getByLabel('Message the assistant');
    await input.waitFor();
    assert.equal(await input.evaluate((el) => el === document.activeElement), true, 'the message box has focus');
    await input.fill('Add a task to buy groceries');
    await input.press('Enter');

    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText(/Added "Buy groceries" \(task \d+\)\./).waitFor();
    const chip = log.getByRole('button', { name: /Added · task \d+/ });
    await chip.waitFor();
    // the list shows the task without a reload: the change came through the real-time channel
    await page.locator('[data-task-id]', { has: page.getByRole('button', { name: 'Buy groceries', exact: true }) }).waitFor();

    assert.deepEqual(model.toolNames[0].slice(0, 5), ['add_task', 'list_tasks', 'complete_task', 'delete_task', 'update_task']);

    const scan = await new AxeBuilder({ page })
      .include('#assistant-panel')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const bad = scan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
    assert.deepEqual(bad, []);

    await chip.click();
    await page.getByTestId('task-panel').waitFor();
  });

  it('fits a 360 px wide phone and closes with Escape', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    if (!(await page.locator('#assistant-panel').isVisible())) await page.getByTestId('assistant-toggle').click();
    const box = await page.locator('#assistant-panel').boundingBox();
    assert.ok(box && box.x >= 0 && box.width <= 360, `panel inside the screen: ${JSON.stringify(box)}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= 360), true, 'no horizontal scrolling');
    await page.getByLabel('Message the assistant').focus();
    await page.keyboard.press('Escape');
    await page.locator('#assistant-panel').waitFor({ state: 'detached' });
  });
});
