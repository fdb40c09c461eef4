/** The demo's "slow network" switch: emulator delay rules on every part PUT and form POST. */
import type { RunningEmulator } from '../emulator/server.ts';

/** The default delay before each part PUT and form POST, ms. */
export const SLOW_NETWORK_MS = 1500;

export interface SlowNetwork {
  get(): boolean;
  set(on: boolean): boolean;
  ms: number;
}

export function slowNetwork(emulator: RunningEmulator, ms: number): SlowNetwork {
  let ruleIds: string[] = [];
  return {
    ms,
    get: () => ruleIds.length > 0,
    set(on) {
      for (const id of ruleIds) emulator.admin.faults.remove(id);
      ruleIds = on
        ? emulator.admin.faults
            .add([
              { op: 'UploadPart', action: 'delay', ms, count: -1 },
              { op: 'PostObject', action: 'delay', ms, count: -1 },
            ])
            .map((r) => r.id)
        : [];
      return on;
    },
  };
}
