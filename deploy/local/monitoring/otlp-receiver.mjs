#!/usr/bin/env node
// A minimal trace receiver for the local stack: the roles export their spans here over
// OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318, POST /v1/traces),
// the Dapr sidecars theirs in Zipkin v2 JSON (POST /api/v2/spans); spans are appended to
// $SPANS_FILE as JSON lines (`source`: otlp | zipkin), and GET /traces/<trace id>
// returns one trace's spans, GET /links/<trace id> the spans of other traces that link to
// it (e.g. the batch send of an event). In a cluster the same exporters point at an OpenTelemetry
// Collector instead.
//
//   PORT=4318 SPANS_FILE=.stack/traces.jsonl node otlp-receiver.mjs
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 4318);
const file = process.env.SPANS_FILE ?? 'traces.jsonl';
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const attrs = (list = []) => Object.fromEntries(list.map((a) => [a.key, Object.values(a.value ?? {})[0]]));

/** Zipkin v2 (what daprd's zipkin exporter sends): timestamps and durations in µs. */
function fromZipkin(body) {
  if (!Array.isArray(body)) throw new Error('a Zipkin v2 body is a JSON array of spans');
  return body.map((s) => {
    const start = BigInt(s.timestamp ?? 0) * 1000n;
    return {
      trace_id: String(s.traceId).padStart(32, '0'),
      span_id: s.id,
      parent_span_id: s.parentId || null,
      name: s.name,
      kind: String(s.kind ?? 'internal').toLowerCase(),
      service: s.localEndpoint?.serviceName,
      source: 'zipkin',
      start_ns: String(start),
      end_ns: String(start + BigInt(s.duration ?? 0) * 1000n),
      status: s.tags?.error ? 2 : 0,
      attributes: s.tags ?? {},
    };
  });
}

function flatten(body) {
  const out = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = attrs(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          trace_id: s.traceId,
          span_id: s.spanId,
          parent_span_id: s.parentSpanId || null,
          name: s.name,
          kind: KINDS[s.kind] ?? String(s.kind),
          service,
          source: 'otlp',
          start_ns: s.startTimeUnixNano,
          end_ns: s.endTimeUnixNano,
          status: s.status?.code ?? 0,
          attributes: attrs(s.attributes),
          links: (s.links ?? []).map((l) => ({ trace_id: l.traceId, span_id: l.spanId })),
        });
  }
  return out;
}

const RECEIVERS = { '/v1/traces': flatten, '/api/v2/spans': fromZipkin };

createServer((req, res) => {
  const receive = req.method === 'POST' && RECEIVERS[req.url ?? ''];
  if (receive) {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      try {
        const spans = receive(JSON.parse(raw));
        if (spans.length) appendFileSync(file, spans.map((s) => JSON.stringify(s)).join('\n') + '\n');
        // Zipkin answers 202 Accepted; OTLP 200 with an (empty) export response
        res.writeHead(receive === fromZipkin ? 202 : 200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err.message) }));
      }
    });
    return;
  }
  const m = req.method === 'GET' && req.url?.match(/^\/(traces|links)\/([0-9a-f]{32})$/);
  if (m) {
    let lines = [];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      /* nothing received yet */
    }
    const [, what, traceId] = m;
    const wanted = what === 'traces' ? (s) => s.trace_id === traceId : (s) => s.links?.some((l) => l.trace_id === traceId);
    const spans = lines.map((l) => JSON.parse(l)).filter(wanted);
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ spans }));
  }
  if (req.url === '/healthz') return res.writeHead(200).end('ok');
  res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.log(`OTLP/HTTP trace receiver on http://127.0.0.1:${port} → ${file}`));
