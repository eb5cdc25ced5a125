import { join } from 'node:path';
import type { Command } from 'commander';
import { startZoneServer } from '../../dns/zone-server.js';
import type { DomainOptions } from '../../checks/types.js';
import { packageRoot } from '../../package-root.js';
import { createDnsResolver } from '../dns-options.js';
import { EXIT } from '../exit-codes.js';
import { langOption } from '../options.js';
import { checkAndPrint, readTargets } from './check.js';

/** Adds `facteur demo`: the check job on the embedded example, with no network beyond 127.0.0.1. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Serve examples/zones from a local DNS server and check examples/members.csv against it')
    .option('--json', 'print one JSON document on stdout', false)
    .option('--lang <lang>', 'language of messages: en or fr (default: from LANG)')
    .action(async (options: { json: boolean; lang?: string }) => {
      const examples = join(packageRoot(), 'examples');
      const server = await startZoneServer({ directory: join(examples, 'zones') });
      try {
        const defaults: DomainOptions = {
          dkimSelectors: [],
          // The hoster's relay, checked against each member's SPF and the example blocklist.
          sendingIps: ['192.0.2.25'],
          dnsbl: ['dnsbl.example'],
          rhsbl: [],
          probes: false,
        };
        const { targets, errors } = await readTargets([], join(examples, 'members.csv'), defaults);
        const resolver = createDnsResolver([`127.0.0.1:${server.port}`], 2000, 1);
        if (!options.json) {
          process.stderr.write(`facteur demo: DNS server for examples/zones on 127.0.0.1:${server.port}\n`);
        }
        try {
          await checkAndPrint(targets, errors, resolver, {
            json: options.json,
            lang: langOption(options.lang),
            concurrency: 8,
            failOn: 'error',
          });
        } finally {
          await resolver.close();
        }
        // The demo ran: its findings are the point, not a failure.
        process.exitCode = EXIT.ok;
      } finally {
        await server.stop();
      }
    });
}
