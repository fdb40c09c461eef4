/** The problems shared/config/ lists for `env` (fails the test when the parse succeeds). */
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, type Env } from '../../shared/config/index.ts';

export function problemsOf(env: Env): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}
