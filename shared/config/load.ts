/** `loadConfig`: one parse per environment per instance (cold start), failures remembered too. */
import { CALLER_FACING, parseConfig, type ConfigNeeds } from './parse';
import { ConfigError, type Env } from './reader';
import type { Config } from './types';

type Entry = { config: Config } | { error: ConfigError };
// The environment cannot change within an instance, and every request must fail the same way.
let memo = new WeakMap<object, Map<boolean, Entry>>();

/** The validated configuration; memoised per `env` object and `needs`. Throws `ConfigError`. */
export function loadConfig(env: Env = process.env, needs: ConfigNeeds = CALLER_FACING): Config {
  let byNeeds = memo.get(env);
  if (!byNeeds) memo.set(env, (byNeeds = new Map()));
  let entry = byNeeds.get(needs.callers);
  if (!entry) {
    try {
      entry = { config: parseConfig(env, needs) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      entry = { error: e };
    }
    byNeeds.set(needs.callers, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.config;
}

/** Forgets memoised configurations (tests change the environment between cases). */
export function resetConfigForTests(): void {
  memo = new WeakMap();
}
