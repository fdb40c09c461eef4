/** `loadConfig`: one parse per environment per instance (cold start), failures remembered too. */
import { parseConfig } from './parse';
import { ConfigError, type Env } from './reader';
import type { Config } from './types';

// The environment cannot change within an instance, and every request must fail the same way.
let memo = new WeakMap<object, { config: Config } | { error: ConfigError }>();

/** The validated configuration; memoised per `env` object. Throws `ConfigError`. */
export function loadConfig(env: Env = process.env): Config {
  let entry = memo.get(env);
  if (!entry) {
    try {
      entry = { config: parseConfig(env) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      entry = { error: e };
    }
    memo.set(env, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.config;
}

/** Forgets memoised configurations (tests change the environment between cases). */
export function resetConfigForTests(): void {
  memo = new WeakMap();
}
