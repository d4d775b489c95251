#!/usr/bin/env node
// Consumer-group lag for the local stack's Prometheus, under the metric names of the Kafka
// Exporter that Strimzi deploys in the cluster (kafka_consumergroup_lag, …), so the
// dashboards and alerts read the same series on a laptop and in Kubernetes.
//
//   KAFKA_BROKERS=127.0.0.1:9092 PORT=9308 node kafka-lag-exporter.mjs
import { createServer } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const port = Number(process.env.PORT ?? 9308);
const admin = new Kafka({ clientId: 'kairos-lag-exporter', brokers, logLevel: logLevel.ERROR }).admin();
let connected = false;

const esc = (v) => String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"');
const labels = (o) =>
  `{${Object.entries(o)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

async function collect() {
  if (!connected) {
    await admin.connect();
    connected = true;
  }
  const lines = [];
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  const ends = new Map();
  lines.push(
    '# HELP kafka_topic_partition_current_offset Latest offset of a partition',
    '# TYPE kafka_topic_partition_current_offset gauge',
  );
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      ends.set(`${topic}/${p.partition}`, Number(p.high));
      lines.push(`kafka_topic_partition_current_offset${labels({ topic, partition: p.partition })} ${p.high}`);
    }
  }
  lines.push('# HELP kafka_consumergroup_lag Messages a consumer group has not consumed yet', '# TYPE kafka_consumergroup_lag gauge');
  const offsetLines = [
    '# HELP kafka_consumergroup_current_offset Committed offset of a consumer group',
    '# TYPE kafka_consumergroup_current_offset gauge',
  ];
  const { groups } = await admin.listGroups();
  for (const { groupId } of groups) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      for (const p of partitions) {
        const committed = Number(p.offset);
        if (committed < 0) continue; // nothing committed yet on this partition
        const end = ends.get(`${topic}/${p.partition}`) ?? committed;
        const l = labels({ consumergroup: groupId, topic, partition: p.partition });
        lines.push(`kafka_consumergroup_lag${l} ${Math.max(0, end - committed)}`);
        offsetLines.push(`kafka_consumergroup_current_offset${l} ${committed}`);
      }
    }
  }
  return [...lines, ...offsetLines, 'kafka_exporter_up 1', ''].join('\n');
}

createServer(async (req, res) => {
  if (req.url !== '/metrics') return res.writeHead(404).end();
  try {
    const body = await collect();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  } catch (err) {
    connected = false;
    await admin.disconnect().catch(() => {});
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# ${esc(err.message)}\nkafka_exporter_up 0\n`);
  }
}).listen(port, '127.0.0.1', () => console.log(`kafka lag exporter on http://127.0.0.1:${port}/metrics (brokers ${brokers.join(',')})`));
