/**
 * A UDP relay for bench:check that puts a resolver's distance between the client and the server it fronts: each query
 * is held MS milliseconds before it goes on to the server, the reply comes straight back, so every exchange takes one
 * round trip of MS plus the server's own time. Questions about names under `dead.example` are dropped, as the servers
 * of a domain that is gone never answer. It runs in a process of its own and sends its address once listening.
 * Replies are matched to their client by DNS ID: the network resolver keeps the IDs of its queries on the wire
 * distinct. UDP only: the bench's replies are small and never truncated.
 * Usage: latency-relay-process UPSTREAM_HOST:PORT MS
 */
import dgram from 'node:dgram';
import { parseServerAddress } from '../src/dns/network-resolver.js';

const [upstreamText, msText] = process.argv.slice(2);
const delayMs = Number(msText);
if (upstreamText === undefined || !Number.isFinite(delayMs) || delayMs < 0)
  throw new Error('Usage: latency-relay-process UPSTREAM_HOST:PORT MS');
const upstream = parseServerAddress(upstreamText);
const front = dgram.createSocket('udp4');
const back = dgram.createSocket('udp4');
const clients = new Map<number, { address: string; port: number }>();

/** The wire form of `dead.example.` at the end of a question's name: the bench's domains whose servers are gone. */
const DEAD = Buffer.from('\x04dead\x07example\x00', 'latin1');

front.on('message', (query, client) => {
  if (query.length < 12 || query.includes(DEAD)) return;
  clients.set(query.readUInt16BE(0), { address: client.address, port: client.port });
  setTimeout(() => {
    back.send(query, upstream.port, upstream.host);
  }, delayMs);
});
back.on('message', (reply) => {
  if (reply.length < 12) return;
  const id = reply.readUInt16BE(0);
  const client = clients.get(id);
  if (client === undefined) return;
  clients.delete(id);
  front.send(reply, client.port, client.address);
});
front.bind(0, '127.0.0.1', () => {
  process.send?.(`127.0.0.1:${front.address().port}`);
});
process.on('SIGTERM', () => {
  front.close();
  back.close();
});
