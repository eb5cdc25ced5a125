import net from 'node:net';

/** A TCP port free on `host` right now, for a server that must be told its port rather than bind port 0. */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      resolve((server.address() as net.AddressInfo).port);
    });
  });
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}
