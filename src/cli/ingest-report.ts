import type { IngestSummary } from '../ingest/ingest-input.ts';

export function printSummary(s: IngestSummary): void {
  const runtime = s.format === 'ecs' || s.format === 'kubernetes';
  const counts = runtime
    ? `${s.applied} stored, ${s.unchanged} unchanged (replayed or older), ${s.stoppedBySnapshot} stopped by snapshot`
    : `${s.applied} report(s) applied with ${s.findings} finding(s), ${s.unchanged} unchanged (identical or older)`;
  const lines = [
    `${s.file} (${s.format}): ${counts}, ${s.skipped.length} skipped`,
    ...s.skipped.map((k) => `  skipped ${k.path}: ${k.reason}`),
    ...(s.images.length ? ['  images (resourceId):', ...s.images.map((id) => `    ${id}`)] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
