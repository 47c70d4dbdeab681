// HTTP throughput with many concurrent connections (autocannon), against the bare node:http ceiling
// answering the same bytes, with SigV4 verification off and on.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import autocannon from 'autocannon';
import { newAccessKey } from '../src/protocol/access-keys.ts';
import type { Store } from '../src/store/store.ts';
import { benchAccount } from './dataset.ts';
import { startBareServer, startImagescope, type Child } from './processes.ts';
import type { Query } from './queries.ts';

export interface Throughput {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
}

export async function load(url: string, query: Query, headers: Record<string, string>, seconds: number, connections: number): Promise<Throughput> {
  const result = await autocannon({ url: url + query.path, method: 'POST', headers, body: JSON.stringify(query.body), connections, duration: seconds });
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

export async function signedHeaders(url: string, query: Query, key: { access_key_id: string; secret_access_key: string }): Promise<Record<string, string>> {
  const target = new URL(url);
  // Image Builder's operations have paths named after them (`/ListImageScanFindingAggregations`).
  const service = query.path.startsWith('/List') ? 'imagebuilder' : 'inspector2';
  const signed = await new SignatureV4({ credentials: { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key }, region: 'us-west-2', service, sha256: Sha256 }).sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: target.hostname, port: Number(target.port), path: query.path, headers: { host: target.host, 'content-type': 'application/json' }, body: JSON.stringify(query.body) }),
  );
  return signed.headers as Record<string, string>;
}

/** Runs the load against one server process tree, then stops it. */
export async function against(server: Child, query: Query, headers: Record<string, string>, seconds: number, connections: number): Promise<Throughput & { peakRssMiB: number }> {
  try {
    const result = await load(server.url, query, headers, seconds, connections);
    return { ...result, peakRssMiB: server.peakRssMiB() };
  } finally {
    await server.stop();
  }
}

/**
 * imagescope with authentication off and on, in one process and in `workers` processes, against
 * bare node:http answering the same bytes from one process and from `workers` processes.
 */
export async function measureThroughput(store: Store, db: string, query: Query, seconds: number, connections: number, workers: number, baselineCli?: string) {
  const key = newAccessKey(benchAccount, 'read', Date.now());
  await store.createAccessKey(key);
  const plain = { 'content-type': 'application/json', authorization: `AWS4-HMAC-SHA256 Credential=${benchAccount}/20261121/us-west-2/x/aws4_request, SignedHeaders=host, Signature=0` };
  const open = await startImagescope(db);
  const bytes = await (await fetch(open.url + query.path, { method: 'POST', headers: plain, body: JSON.stringify(query.body) })).text();
  const none = await against(open, query, plain, seconds, connections);
  const signedServer = await startImagescope(db, ['--auth', 'sigv4']);
  const signed = await signedHeaders(signedServer.url, query, key);
  const sigv4 = await against(signedServer, query, signed, seconds, connections);
  const sigv4Workers = await against(await startImagescope(db, ['--auth', 'sigv4', '--workers', String(workers)]), query, signed, seconds, connections);
  const bare = await against(await startBareServer(bytes), query, plain, seconds, connections);
  const bareWorkers = await against(await startBareServer(bytes, workers), query, plain, seconds, connections);
  // Another version under the same load, for its busy server's peak memory.
  const noneBaseline = baselineCli ? await against(await startImagescope(db, [], baselineCli), query, plain, seconds, connections) : undefined;
  // Peak memory of the single-process servers (a worker's own is about the same).
  return { bare, bareWorkers, none, sigv4, sigv4Workers, noneBaseline, workers, responseBytes: bytes.length, peakRssMiB: Math.max(none.peakRssMiB, sigv4.peakRssMiB) };
}

/**
 * For each query: imagescope with SigV4 (a pre-signed request replayed, throttling off), one process,
 * against bare node:http answering the same bytes from one process: the ratio. Both servers
 * stay up and take the load in alternate rounds, and the ratio is of the median rounds: on a shared,
 * noisy machine one long run each let a slow spell land on either side (0.32 and 0.55 in two runs).
 */
export async function measureSignedRatios(store: Store, db: string, measured: Query[], seconds: number, connections: number, rounds = 5) {
  const key = newAccessKey(benchAccount, 'read', Date.now());
  await store.createAccessKey(key);
  const out: Record<string, { sigv4: Throughput; bare: Throughput; responseBytes: number; ratio: number; rounds: { sigv4: number[]; bare: number[] } }> = {};
  for (const query of measured) {
    const server = await startImagescope(db, ['--auth', 'sigv4']);
    const headers = await signedHeaders(server.url, query, key);
    const response = await fetch(server.url + query.path, { method: 'POST', headers, body: JSON.stringify(query.body) });
    const bytes = await response.text();
    if (response.status !== 200) throw new Error(`${query.name}: ${response.status} ${bytes}`);
    const bare = await startBareServer(bytes);
    const runs: { sigv4: Throughput[]; bare: Throughput[] } = { sigv4: [], bare: [] };
    try {
      // A round each not counted: both servers' hot paths compiled before measuring.
      await load(server.url, query, headers, 1, connections);
      await load(bare.url, query, headers, 1, connections);
      for (let round = 0; round < rounds; round++) {
        runs.sigv4.push(await load(server.url, query, headers, seconds / rounds, connections));
        runs.bare.push(await load(bare.url, query, headers, seconds / rounds, connections));
      }
    } finally {
      await server.stop();
      await bare.stop();
    }
    const sigv4 = medianRound(runs.sigv4);
    const bareMedian = medianRound(runs.bare);
    out[query.name] = {
      sigv4,
      bare: bareMedian,
      responseBytes: bytes.length,
      ratio: sigv4.requestsPerSecond / bareMedian.requestsPerSecond,
      rounds: { sigv4: runs.sigv4.map((r) => Math.round(r.requestsPerSecond)), bare: runs.bare.map((r) => Math.round(r.requestsPerSecond)) },
    };
  }
  return out;
}

/** The round with the median request rate. */
function medianRound(runs: Throughput[]): Throughput {
  return [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(runs.length / 2)]!;
}
