/** The local OSS emulator: see README.md beside this file. */
export {
  startEmulator,
  defaultCredentials,
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ACCESS_KEY_SECRET,
  DEFAULT_BUCKET,
  DEFAULT_DATA_DIR,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REGION,
  type EmulatorOptions,
  type EmulatorAdmin,
  type RunningEmulator,
} from './server';
export type { AccessKey, StsToken } from './auth';
export type { FaultRule, FaultRuleInput, FaultAction } from './faults';
export type { CallbackRecord } from './callback';
export type { OpName, Limits } from './types';
