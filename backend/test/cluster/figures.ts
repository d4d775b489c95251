/**
 * Figures the operations tests measure (rollout, autoscaling, recovery). Printed as they
 * come; with KAIROS_BENCH_OUT set (`npm run bench:cluster`), also appended to that file
 * as JSON lines for the benchmark's table.
 */
import { appendFileSync } from 'node:fs';

export function figure(name: string, value: number, unit: string, note = ''): void {
  console.log(`[cluster figure] ${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}${note ? ` (${note})` : ''}`);
  const out = process.env.KAIROS_BENCH_OUT;
  if (out) appendFileSync(out, `${JSON.stringify({ name, value, unit, note })}\n`);
}
