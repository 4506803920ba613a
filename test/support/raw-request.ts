import { connect } from 'node:net';

/**
 * Sends `GET target` byte for byte, with `headers` as raw lines (fetch and http.request would normalise
 * or refuse some paths, and merge repeated headers), and answers the response's status.
 */
export function rawStatus(base: string, target: string, headers: string[] = []): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      response += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(response);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.write(
      [`GET ${target} HTTP/1.1`, 'Host: localhost', ...headers, 'Connection: close', '', ''].join('\r\n'),
    );
  });
}
