// The ceiling for HTTP throughput: a bare node:http server that answers every request with the same
// bytes imagescope sends for the benchmarked query, in one process or in N (node:cluster, as
// `imagescope serve --workers N` runs). Run as its own process; prints its URL.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const body = process.argv[2] ?? '{}';
const workers = Number(process.argv[3] ?? 1);

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (url: string) => {
      if (++listening === workers) process.stdout.write(`listening on ${url}\n`);
    });
  }
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000' });
      response.end(body);
    });
  });
  // In a cluster every worker listening on port 0 shares the one port the primary picked.
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    if (cluster.isWorker) process.send!(url);
    else process.stdout.write(`listening on ${url}\n`);
  });
}
