/**
 * Writes `openapi.json` at the repository root from functions/openapi.ts (the source of truth).
 * Run after changing the API: `npx tsx infra/write-openapi.ts`. test/unit/openapi.test.ts fails
 * while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiJson } from '../functions/openapi';

const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(target, openApiJson());
console.log(`wrote ${target}`);
