// The ceiling for HTTP throughput: a bare node:http server that answers every request with the same
// bytes imagescope sends for the benchmarked query. Run as its own process; prints its port.
import { createServer } from 'node:http';

const body = process.argv[2] ?? '{}';
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000' });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}\n`));
