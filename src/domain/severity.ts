// Severity normalised to Inspector's six values: the scanner's own label where it gives one, else the
// CVSS v3 base score bucket, else UNTRIAGED.
export const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
export type Severity = (typeof severities)[number];

const labels: Record<string, Severity> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  important: 'HIGH',
  medium: 'MEDIUM',
  moderate: 'MEDIUM',
  low: 'LOW',
  // Grype's "Negligible", CycloneDX's "info" and "none": findings with no security impact.
  negligible: 'INFORMATIONAL',
  info: 'INFORMATIONAL',
  informational: 'INFORMATIONAL',
  none: 'INFORMATIONAL',
};

/** A scanner's severity label, or undefined when it gives none (absent, "unknown", "untriaged"). */
export function severityFromLabel(label: unknown): Severity | undefined {
  return typeof label === 'string' ? labels[label.trim().toLowerCase()] : undefined;
}

/** CVSS v3 base score buckets: 0 informational, 0.1-3.9 low, 4-6.9 medium, 7-8.9 high, 9-10 critical. */
export function severityFromCvss3(score: unknown): Severity | undefined {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score === 0) return 'INFORMATIONAL';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

export function normaliseSeverity(label: unknown, cvss3Score?: unknown): Severity {
  return severityFromLabel(label) ?? severityFromCvss3(cvss3Score) ?? 'UNTRIAGED';
}

/** Lower is worse: CRITICAL 0 ... UNTRIAGED 5. */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

export function worstOf(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}
