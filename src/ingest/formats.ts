// The input formats imagescope reads: how each is recognised and which pure parser reads it.
import type { JsonDocument } from './json-documents.ts';
import type { ParseContext, RuntimeParseResult } from './parse-result.ts';
import { isEcsTaskEvent, parseEcsTaskEvents } from './runtime/ecs-task-events.ts';
import { isKubernetesDocument, parseKubernetesPods } from './runtime/kubernetes-pods.ts';

export interface InputFormat {
  name: string;
  description: string;
  /** Whether the first document of an input looks like this format. */
  detect(first: unknown): boolean;
  parse(documents: JsonDocument[], context: ParseContext): RuntimeParseResult;
}

export const formats = [
  {
    name: 'ecs',
    description: 'EventBridge "ECS Task State Change" events: one, a JSON array, or one per line',
    detect: (first: unknown) => isEcsTaskEvent(Array.isArray(first) ? first[0] : first),
    parse: parseEcsTaskEvents,
  },
  {
    name: 'kubernetes',
    description: 'Kubernetes Pods: a `kubectl get pods -A -o json` list, one Pod, or watch events one per line',
    detect: isKubernetesDocument,
    parse: parseKubernetesPods,
  },
] as const satisfies InputFormat[];

export type FormatName = (typeof formats)[number]['name'];
export const formatNames: string[] = formats.map((f) => f.name);
