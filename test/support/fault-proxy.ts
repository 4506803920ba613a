import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy between the AWS SDK and s3rver. For each request, `choose` may name a
 * fault; otherwise the request is forwarded untouched (Host included, so SigV4 still verifies).
 */
export type Fault =
  | { kind: 'status'; status: number; code: string }
  /** Close the connection without answering. */
  | { kind: 'reset' }
  /** Never answer; the connection is held until the proxy closes. */
  | { kind: 'stall' }
  /** Forward, but cut the response body after half its declared length. */
  | { kind: 'truncate-response' }
  /** Forward half of the request body, then drop both connections. */
  | { kind: 'truncate-request' };

export interface FaultProxy {
  readonly endpoint: string;
  /** `METHOD path` of every request seen, faulted or not. */
  readonly requests: string[];
  close(): Promise<void>;
}

function answerWithError(res: ServerResponse, status: number, code: string) {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
  );
}

export async function startFaultProxy(
  targetPort: number,
  choose: (req: IncomingMessage) => Fault | undefined,
): Promise<FaultProxy> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  function forward(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined) {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        if (fault?.kind !== 'truncate-response') return void response.pipe(res);
        const declared = Number(response.headers['content-length'] ?? 0);
        let sent = 0;
        response.on('data', (chunk: Buffer) => {
          const room = Math.floor(declared / 2) - sent;
          if (room > 0) res.write(chunk.subarray(0, room));
          sent += chunk.length;
          if (sent >= declared / 2) res.destroy();
        });
      },
    );
    upstream.on('error', () => res.destroy());
    if (fault?.kind !== 'truncate-request') return void req.pipe(upstream);
    const declared = Number(req.headers['content-length'] ?? 0);
    let sent = 0;
    req.on('data', (chunk: Buffer) => {
      if (sent + chunk.length < declared / 2) upstream.write(chunk);
      sent += chunk.length;
      if (sent >= declared / 2) {
        upstream.destroy();
        req.socket.destroy();
      }
    });
  }

  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const fault = choose(req);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'stall') return void req.resume();
    if (fault?.kind === 'status') {
      req.resume();
      return answerWithError(res, fault.status, fault.code);
    }
    forward(req, res, fault);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
