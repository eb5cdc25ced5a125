import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { startZoneServer } from '../../dns/zone-server.js';
import { packageRoot } from '../../package-root.js';
import { createDnsResolver } from '../dns-options.js';
import { EXIT } from '../exit-codes.js';
import { checkAndPrint, checkSettings, readTargets } from './check.js';

/** Adds `facteur demo`: the check job on the embedded example, with no network beyond 127.0.0.1. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Serve examples/zones from a local DNS server and check examples/members.csv against it, as examples/facteur.config.json says',
    )
    .option('--json', 'print one JSON document on stdout', false)
    .option('--lang <lang>', 'language of messages: en or fr (default: from LANG)')
    .action(async (options: { json: boolean; lang?: string }) => {
      const examples = join(packageRoot(), 'examples');
      const config = loadConfig(join(examples, 'facteur.config.json'));
      const server = await startZoneServer({ directory: join(examples, 'zones') });
      try {
        // The example config, run as a night would be, but against the local server and without writing a database.
        const settings = checkSettings(
          [],
          {
            json: options.json,
            quiet: false,
            resolver: [`127.0.0.1:${server.port}`],
            db: false,
            ...(options.lang === undefined ? {} : { lang: options.lang }),
          },
          config,
        );
        const { targets, errors } = await readTargets([], settings.members, settings.defaults);
        const resolver = createDnsResolver(settings.resolvers, settings.timeout, settings.retries);
        if (!options.json) {
          process.stderr.write(`facteur demo: DNS server for examples/zones on 127.0.0.1:${server.port}\n`);
        }
        try {
          await checkAndPrint(targets, errors, resolver, {
            json: options.json,
            lang: settings.lang,
            concurrency: settings.concurrency,
            failOn: settings.failOn,
            docs: settings.docs,
            expectations: settings.expectations,
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
