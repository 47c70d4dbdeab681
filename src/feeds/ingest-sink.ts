// Where a live feed's observations go: straight into a store (--db) or to a running server's ingest
// endpoint (--endpoint). Both go through the ingestion entry point with the same formats a person
// would ingest by hand, so what a watcher writes is indistinguishable from a hand-run ingest.
import { ingestDocuments, ingestInput, ingestKubernetesList, type IngestSummary } from '../ingest/ingest-input.ts';
import type { IngestOptions } from '../ingest/ingest-options.ts';
import { postToEndpoint } from '../ingest/ingest-endpoint-client.ts';
import { kubernetesListText, type KubernetesListPages } from '../ingest/runtime/kubernetes-pods.ts';
import { openStore } from '../store/open-store.ts';

export interface IngestSink {
  /** Ingests one input of JSON documents, given as their texts (a JSON Lines file); rejects as a hand ingest would. */
  ingest(name: string, documents: string[], options: IngestOptions): Promise<IngestSummary>;
  /** The same, from plain JSON values in memory (no Dates), never turned into text on the way to a store. */
  ingestValues(name: string, values: unknown[], options: IngestOptions): Promise<IngestSummary>;
  /** Ingests one input as a file's text (a scanner's report as it printed it); rejects as a hand ingest would. */
  ingestText(name: string, text: string, options: IngestOptions): Promise<IngestSummary>;
  /** Ingests a Kubernetes List (a snapshot) whose pods are still arriving in pages. */
  ingestKubernetesList(name: string, list: KubernetesListPages, options: IngestOptions): Promise<IngestSummary>;
  close(): Promise<void>;
}

export interface SinkTarget {
  db: string;
  endpoint?: string;
  /** Send the account id to the endpoint (a SigV4 key decides it otherwise). */
  sendAccount: boolean;
}

export async function openSink(target: SinkTarget): Promise<IngestSink> {
  if (target.endpoint) {
    const endpoint = target.endpoint;
    return {
      // One document per line: the endpoint reads JSON Lines exactly as a file.
      ingest: (name, documents, options) => postToEndpoint(endpoint, name, documents.join('\n'), options, target.sendAccount),
      ingestValues: (name, values, options) => postToEndpoint(endpoint, name, values.map((v) => JSON.stringify(v)).join('\n'), options, target.sendAccount),
      ingestText: (name, text, options) => postToEndpoint(endpoint, name, text, options, target.sendAccount),
      // A signed request signs its body: the List is gathered first, then sent as one text.
      ingestKubernetesList: async (name, list, options) => postToEndpoint(endpoint, name, await kubernetesListText(list), options, target.sendAccount),
      close: async () => undefined,
    };
  }
  const store = await openStore(target.db, { cacheKiB: 2048 });
  const ingestValues = (name: string, values: unknown[], options: IngestOptions) =>
    ingestDocuments(store, name, values.map((value, i) => ({ value, path: values.length > 1 ? `line ${i + 1}: $` : '$' })), options, Date.now());
  return {
    ingest: (name, documents, options) => ingestValues(name, documents.map((text) => JSON.parse(text)), options),
    ingestValues: (name, values, options) => ingestValues(name, values, options),
    ingestText: (name, text, options) => ingestInput(store, { name, text }, options, Date.now()),
    ingestKubernetesList: (name, list, options) => ingestKubernetesList(store, name, list, options, Date.now()),
    close: () => store.close(),
  };
}
