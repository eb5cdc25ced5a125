/** Serves a zone directory from its own process for the benchmarks; sends its address to the parent once listening. */
import { startZoneServer } from '../src/dns/zone-server.js';

const directory = process.argv[2];
if (directory === undefined) throw new Error('Usage: zone-server-process DIRECTORY');
const server = await startZoneServer({ directory });
process.send?.(server.address);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
