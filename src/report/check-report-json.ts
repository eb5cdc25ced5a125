import type { CheckReport } from '../commands/run-check.js';

/**
 * The check report exactly as `JSON.stringify(report, null, 2)` writes it, a domain at a time: a members file of a few
 * thousand domains makes a JSON document of megabytes, and building it as one string held it two or three times over
 * at the end of the run.
 */
export function* checkReportJson(report: CheckReport): Generator<string> {
  const { domains } = report;
  // The report with no domains, cut where its (empty) array stands: every other key keeps its place and indentation.
  const skeleton = JSON.stringify({ ...report, domains: [] }, null, 2);
  const at = skeleton.indexOf('"domains": []') + '"domains": '.length;
  yield skeleton.slice(0, at);
  if (domains.length === 0) yield '[]';
  else {
    yield '[\n';
    for (const [index, domain] of domains.entries()) {
      // JSON strings never hold a raw line break, so every one is a line of the layout, indented one level deeper.
      yield `${index === 0 ? '' : ',\n'}    ${JSON.stringify(domain, null, 2).replaceAll('\n', '\n    ')}`;
    }
    yield '\n  ]';
  }
  yield `${skeleton.slice(at + '[]'.length)}\n`;
}
