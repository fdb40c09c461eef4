/**
 * Writes the README's configuration table from shared/config/variables.ts. Run after changing a
 * variable: `npx tsx infra/write-config-table.ts`; test/integration/readme.test.ts fails while the
 * README is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configTableMarkdown } from '../shared/config/variables.ts';

export const TABLE_START = '<!-- config-table: written by infra/write-config-table.ts from shared/config/variables.ts -->';
export const TABLE_END = '<!-- /config-table -->';

/** `readme` with the text between the markers replaced by the current table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTableMarkdown()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL('../README.md', import.meta.url));
  writeFileSync(target, withConfigTable(readFileSync(target, 'utf8')));
  console.log(`wrote the configuration table in ${target}`);
}
