// The providers' official SDKs against toolorch-mockllm:
//   node sdk_check.mjs http://127.0.0.1:PORT
// Loads its own script (POST /script), then runs the OpenAI (Chat
// Completions and Responses), Anthropic and Google Gen AI SDKs streamed and
// not, and checks every tool call (name, id, parsed arguments) and the
// final text. Prints "N passed, M failed" last; exits
// non-zero on any mismatch.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';

const base = (process.argv[2] || process.env.MOCKLLM_URL || '').replace(/\/$/, '');
if (!base) {
  console.error('usage: node sdk_check.mjs http://127.0.0.1:PORT');
  process.exit(2);
}

const TEXT = 'Let me look that up — ünïcödé "quotes" and a \\ backslash.';
const SCRIPT = {
  rounds: [
    {
      text: TEXT,
      tool_calls: [
        { name: 'search', arguments: { q: 'weather in Paris', limit: 3, nested: { a: [1, 2, { b: null }], ok: true } } },
      ],
      repeat: { name: 'fetch', count: 5, arguments: { url: 'https://example.com/{i}', i: '{i}' } },
    },
    { text: 'Answer: {tool_result_count} results: {tool_results}' },
  ],
  chunk_gap_ms: 1,
  chunk_bytes: 7,
};
const EXPECTED_CALLS = [
  { name: 'search', args: { q: 'weather in Paris', limit: 3, nested: { a: [1, 2, { b: null }], ok: true } } },
  ...[0, 1, 2, 3, 4].map((i) => ({ name: 'fetch', args: { url: `https://example.com/${i}`, i: String(i) } })),
];
const RESULTS = EXPECTED_CALLS.map((_, i) => `r${i}`);
const FINAL = `Answer: ${RESULTS.length} results: ${RESULTS.join(',')}`;

const openaiTools = [
  { type: 'function', function: { name: 'search', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'fetch', parameters: { type: 'object' } } },
];
const anthropicTools = [
  { name: 'search', input_schema: { type: 'object' } },
  { name: 'fetch', input_schema: { type: 'object' } },
];

const openai = new OpenAI({ apiKey: 'sk-mock', baseURL: `${base}/v1`, timeout: 30000, maxRetries: 2 });
const anthropic = new Anthropic({ apiKey: 'sk-ant-mock', baseURL: base, timeout: 30000, maxRetries: 2 });

const genai = new GoogleGenAI({ apiKey: 'AIza-mock', httpOptions: { baseUrl: base } });

const responsesTools = [
  { type: 'function', name: 'search', parameters: { type: 'object' }, strict: false },
  { type: 'function', name: 'fetch', parameters: { type: 'object' }, strict: false },
];
const geminiTools = [{
  functionDeclarations: [
    { name: 'search', parameters: { type: 'OBJECT', properties: { q: { type: 'STRING' } } } },
    { name: 'fetch', parameters: { type: 'OBJECT', properties: { url: { type: 'STRING' } } } },
  ],
}];

async function control(path, body) {
  const res = await fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', body });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// calls: [{id, name, args (parsed)}]
function checkCalls(calls, idPrefix) {
  assert.equal(calls.length, EXPECTED_CALLS.length, 'number of tool calls');
  const ids = new Set();
  calls.forEach((c, i) => {
    assert.equal(c.name, EXPECTED_CALLS[i].name, `call ${i} name`);
    assert.deepEqual(c.args, EXPECTED_CALLS[i].args, `call ${i} arguments`);
    assert.ok(typeof c.id === 'string' && c.id.startsWith(idPrefix), `call ${i} id ${c.id} starts with ${idPrefix}`);
    ids.add(c.id);
  });
  assert.equal(ids.size, calls.length, 'tool call ids are unique');
}

// ---- OpenAI ----------------------------------------------------------------

function openaiFollowUp(message, calls) {
  return [
    { role: 'user', content: 'hi' },
    message,
    ...calls.map((c, i) => ({ role: 'tool', tool_call_id: c.id, content: RESULTS[i] })),
  ];
}

async function openaiNonStream() {
  const r = await openai.chat.completions.create({
    model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }], tools: openaiTools,
  });
  const msg = r.choices[0].message;
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.equal(msg.content, TEXT);
  const calls = msg.tool_calls.map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) }));
  checkCalls(calls, 'call_');
  assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0, 'usage');

  const r2 = await openai.chat.completions.create({
    model: 'gpt-mock', messages: openaiFollowUp(msg, calls), tools: openaiTools,
  });
  assert.equal(r2.choices[0].message.content, FINAL);
  assert.equal(r2.choices[0].finish_reason, 'stop');
}

async function openaiStreamChunks() {
  const stream = await openai.chat.completions.create({
    model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }], tools: openaiTools,
    stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  const acc = [];
  for await (const chunk of stream) {
    ++chunks;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    if (choice.delta.content) text += choice.delta.content;
    for (const tc of choice.delta.tool_calls ?? []) {
      const slot = (acc[tc.index] ??= { id: '', name: '', arguments: '', pieces: 0 });
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.name = tc.function.name;
      if (tc.function?.arguments) {
        slot.arguments += tc.function.arguments;
        ++slot.pieces;
      }
    }
  }
  assert.equal(text, TEXT);
  assert.equal(finish, 'tool_calls');
  assert.ok(usage && usage.total_tokens > 0, 'usage chunk');
  assert.ok(acc.every((c) => c.pieces >= 2), 'arguments arrive in several pieces');
  assert.ok(chunks > EXPECTED_CALLS.length * 2, 'many chunks');
  const calls = acc.map((c) => ({ id: c.id, name: c.name, args: JSON.parse(c.arguments) }));
  checkCalls(calls, 'call_');

  const message = {
    role: 'assistant', content: text,
    tool_calls: acc.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
  const s2 = await openai.chat.completions.create({
    model: 'gpt-mock', messages: openaiFollowUp(message, calls), tools: openaiTools, stream: true,
  });
  let text2 = '';
  for await (const chunk of s2) text2 += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text2, FINAL);
}

// The SDK's own stream accumulator, which checks the chunk sequence itself.
async function openaiStreamHelper() {
  const stream = openai.chat.completions.stream({
    model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }], tools: openaiTools,
  });
  const done = [];
  stream.on('tool_calls.function.arguments.done', (e) => done.push(e.index));
  const final = await stream.finalChatCompletion();
  const msg = final.choices[0].message;
  assert.equal(msg.content, TEXT);
  checkCalls(msg.tool_calls.map((c) => ({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) })), 'call_');
  assert.deepEqual(done, EXPECTED_CALLS.map((_, i) => i), 'each call reported complete, in order');
}

// ---- OpenAI Responses ----------------------------------------------------------

function responsesCalls(output) {
  return output.filter((o) => o.type === 'function_call')
    .map((o) => ({ id: o.call_id, name: o.name, args: JSON.parse(o.arguments) }));
}

// Stateless follow-up: the output items back, then one output per call_id.
function responsesFollowUp(output, calls) {
  return [
    { role: 'user', content: 'hi' },
    ...output,
    ...calls.map((c, i) => ({ type: 'function_call_output', call_id: c.id, output: RESULTS[i] })),
  ];
}

async function responsesNonStream() {
  const r = await openai.responses.create({
    model: 'gpt-mock', input: 'hi', tools: responsesTools, store: false, parallel_tool_calls: true,
  });
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.equal(r.output_text, TEXT);
  const calls = responsesCalls(r.output);
  checkCalls(calls, 'call_');
  assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0, 'usage');
  const r2 = await openai.responses.create({
    model: 'gpt-mock', input: responsesFollowUp(r.output, calls), tools: responsesTools, store: false,
  });
  assert.equal(r2.output_text, FINAL);
  assert.equal(responsesCalls(r2.output).length, 0);
}

async function responsesStream() {
  const stream = await openai.responses.create({
    model: 'gpt-mock', input: [{ role: 'user', content: 'hi' }], tools: responsesTools, store: false, stream: true,
  });
  let text = '';
  let final = null;
  let seq = -1;
  const order = [];  // "added:<item>" / "done:<item>", to see each call sealed before the next begins
  const deltas = {};
  for await (const ev of stream) {
    assert.ok(ev.sequence_number > seq, 'sequence numbers grow');
    seq = ev.sequence_number;
    if (ev.type === 'response.output_text.delta') text += ev.delta;
    if (ev.type === 'response.output_item.added' && ev.item.type === 'function_call') order.push(`added:${ev.item.id}`);
    if (ev.type === 'response.function_call_arguments.delta') deltas[ev.item_id] = (deltas[ev.item_id] ?? 0) + 1;
    if (ev.type === 'response.function_call_arguments.done') order.push(`done:${ev.item_id}`);
    if (ev.type === 'response.completed') final = ev.response;
  }
  assert.equal(text, TEXT);
  assert.ok(final, 'response.completed');
  assert.equal(final.output_text ?? text, TEXT);
  const calls = responsesCalls(final.output);
  checkCalls(calls, 'call_');
  assert.ok(Object.values(deltas).every((n) => n >= 2), 'arguments arrive in several pieces');
  for (let i = 0; i + 1 < order.length; i += 2) {
    assert.ok(order[i].startsWith('added:') && order[i + 1] === `done:${order[i].slice(6)}`, `call ${i / 2} sealed before the next`);
  }
  const s2 = await openai.responses.create({
    model: 'gpt-mock', input: responsesFollowUp(final.output, calls), tools: responsesTools, store: false, stream: true,
  });
  let text2 = '';
  for await (const ev of s2) if (ev.type === 'response.output_text.delta') text2 += ev.delta;
  assert.equal(text2, FINAL);
}

// ---- Google Gen AI (Gemini) ----------------------------------------------------

function geminiFollowUp(modelParts, calls) {
  return [
    { role: 'user', parts: [{ text: 'hi' }] },
    { role: 'model', parts: modelParts },
    { role: 'user', parts: calls.map((c, i) => ({ functionResponse: { id: c.id, name: c.name, response: { result: RESULTS[i] } } })) },
  ];
}

async function geminiStream() {
  const stream = await genai.models.generateContentStream({
    model: 'gemini-mock', contents: 'hi', config: { tools: geminiTools },
  });
  let text = '';
  let finish = null;
  let usage = null;
  const calls = [];
  const parts = [];
  for await (const chunk of stream) {
    const cand = chunk.candidates?.[0];
    for (const p of cand?.content?.parts ?? []) {
      parts.push(p);  // thoughtSignatures ride on the parts: sent back as they came
      if (typeof p.text === 'string') text += p.text;
    }
    for (const fc of chunk.functionCalls ?? []) calls.push({ id: fc.id, name: fc.name, args: fc.args });
    if (cand?.finishReason) finish = cand.finishReason;
    if (chunk.usageMetadata) usage = chunk.usageMetadata;
  }
  assert.equal(text, TEXT);
  assert.equal(finish, 'STOP');
  assert.ok(usage && usage.promptTokenCount > 0 && usage.candidatesTokenCount > 0, 'usageMetadata');
  checkCalls(calls, 'call_');
  assert.ok(parts.some((p) => p.functionCall && typeof p.thoughtSignature === 'string'), 'a thoughtSignature');

  const s2 = await genai.models.generateContentStream({
    model: 'gemini-mock', contents: geminiFollowUp(parts, calls), config: { tools: geminiTools },
  });
  let text2 = '';
  for await (const chunk of s2) text2 += chunk.text ?? '';
  assert.equal(text2, FINAL);
}

async function geminiNonStream() {
  const r = await genai.models.generateContent({ model: 'gemini-mock', contents: 'hi', config: { tools: geminiTools } });
  const calls = (r.functionCalls ?? []).map((fc) => ({ id: fc.id, name: fc.name, args: fc.args }));
  checkCalls(calls, 'call_');
  assert.equal(r.candidates[0].finishReason, 'STOP');
  const r2 = await genai.models.generateContent({
    model: 'gemini-mock', contents: geminiFollowUp(r.candidates[0].content.parts, calls), config: { tools: geminiTools },
  });
  assert.equal(r2.text, FINAL);
}

// ---- Anthropic -------------------------------------------------------------

function anthropicFollowUp(content, calls) {
  return [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content },
    { role: 'user', content: calls.map((c, i) => ({ type: 'tool_result', tool_use_id: c.id, content: RESULTS[i] })) },
  ];
}

function anthropicCalls(content) {
  return content.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, args: b.input }));
}

function anthropicText(content) {
  return content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

async function anthropicNonStream() {
  const m = await anthropic.messages.create({
    model: 'claude-mock', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], tools: anthropicTools,
  });
  assert.equal(m.type, 'message');
  assert.equal(m.stop_reason, 'tool_use');
  assert.equal(anthropicText(m.content), TEXT);
  const calls = anthropicCalls(m.content);
  checkCalls(calls, 'toolu_');
  assert.ok(m.usage.input_tokens > 0 && m.usage.output_tokens > 0, 'usage');

  const m2 = await anthropic.messages.create({
    model: 'claude-mock', max_tokens: 1024, messages: anthropicFollowUp(m.content, calls), tools: anthropicTools,
  });
  assert.equal(anthropicText(m2.content), FINAL);
  assert.equal(m2.stop_reason, 'end_turn');
}

async function anthropicStream() {
  const stream = anthropic.messages.stream({
    model: 'claude-mock', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], tools: anthropicTools,
  });
  let text = '';
  let jsonDeltas = 0;
  stream.on('text', (t) => { text += t; });
  stream.on('inputJson', () => { ++jsonDeltas; });
  const m = await stream.finalMessage();
  assert.equal(text, TEXT);
  assert.equal(anthropicText(m.content), TEXT);
  assert.equal(m.stop_reason, 'tool_use');
  const calls = anthropicCalls(m.content);
  checkCalls(calls, 'toolu_');
  assert.ok(jsonDeltas >= EXPECTED_CALLS.length * 2, 'arguments arrive in several pieces');

  const s2 = anthropic.messages.stream({
    model: 'claude-mock', max_tokens: 1024, messages: anthropicFollowUp(m.content, calls), tools: anthropicTools,
  });
  const m2 = await s2.finalMessage();
  assert.equal(anthropicText(m2.content), FINAL);
  assert.equal(m2.stop_reason, 'end_turn');
}

// ---- faults through the SDKs -------------------------------------------------

async function retriesAndErrors() {
  await control('/script', JSON.stringify({
    ...SCRIPT,
    faults: [
      { round: 0, kind: 'http_429', retry_after_ms: 10, times: 2 },
      { round: 1, kind: 'http_400', message: 'bad model', times: 2 },
    ],
  }));
  await control('/reset', '');
  // A 429 with retry-after-ms: each SDK waits and retries on its own.
  const r = await openai.chat.completions.create({
    model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }], tools: openaiTools,
  });
  assert.equal(r.choices[0].message.tool_calls.length, EXPECTED_CALLS.length);
  const m = await anthropic.messages.create({
    model: 'claude-mock', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], tools: anthropicTools,
  });
  assert.equal(anthropicCalls(m.content).length, EXPECTED_CALLS.length);

  // A 400 in each provider's error format becomes the SDK's typed error.
  const followUp = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'go' }];
  await assert.rejects(
    openai.chat.completions.create({ model: 'gpt-mock', messages: followUp }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.message.includes('bad model'));
  await assert.rejects(
    anthropic.messages.create({ model: 'claude-mock', max_tokens: 10, messages: followUp }),
    (e) => e instanceof Anthropic.BadRequestError && e.status === 400 && e.error?.error?.type === 'invalid_request_error' &&
      e.message.includes('bad model'));

  const stats = await control('/stats');
  assert.equal(stats.faults_injected.http_429, 2);
  assert.equal(stats.faults_injected.http_400, 2);
  assert.equal(stats.requests.total, 6);
}

// ---- run -------------------------------------------------------------------

const checks = [
  ['openai: chat.completions.create, not streamed', openaiNonStream],
  ['openai: chat.completions.create({stream:true}), chunks assembled', openaiStreamChunks],
  ['openai: chat.completions.stream().finalChatCompletion()', openaiStreamHelper],
  ['anthropic: messages.create, not streamed', anthropicNonStream],
  ['anthropic: messages.stream().finalMessage()', anthropicStream],
  ['openai: responses.create, not streamed', responsesNonStream],
  ['openai: responses.create({stream:true}), events', responsesStream],
  ['@google/genai: models.generateContentStream with function calling', geminiStream],
  ['@google/genai: models.generateContent with function calling', geminiNonStream],
];

let passed = 0;
let failed = 0;
async function run(name, fn) {
  try {
    await fn();
    ++passed;
    console.log(`ok - ${name}`);
  } catch (e) {
    ++failed;
    console.log(`FAIL - ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

try {
  await control('/script', JSON.stringify(SCRIPT));
  await control('/reset', '');
} catch (e) {
  console.log(`FAIL - loading the script: ${e}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const [name, fn] of checks) await run(name, fn);
await run('server saw only results for ids it issued', async () => {
  const stats = await control('/stats');
  assert.equal(stats.unknown_result_ids, 0, 'unknown_result_ids');
  assert.equal(stats.missing_results, 0, 'missing_results');
  assert.equal(stats.tool_results_seen, 8 * EXPECTED_CALLS.length, 'tool_results_seen');  // eight follow-ups
  assert.equal(stats.signature_mismatches, 0, 'Gemini thoughtSignatures came back exactly');
  assert.equal(stats.requests.openai_responses, 4, 'Responses requests');
  assert.equal(stats.requests.gemini, 4, 'Gemini requests');
  assert.equal(stats.active_streams, 0, 'active_streams');
});
await run('retries on 429 and typed 400 errors', retriesAndErrors);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
