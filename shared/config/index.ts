/**
 * Configuration from environment variables, read and validated once per cold start. What each
 * variable means and defaults to: variables.ts (the README's configuration reference is made
 * from it). One file per area (oss, credentials, auth, policy, http, callback, events); parse.ts
 * puts them together, load.ts memoises.
 */
export type { Config, OssConfig, OssClientConfig, AuthConfig, UploadTokenConfig, PolicyConfig, HttpConfig, CallbackConfig, EventsConfig } from './types';
export { ConfigError, type Env } from './reader';
export { parseConfig, CALLER_FACING, INTERNAL, type ConfigNeeds } from './parse';
export { loadConfig, resetConfigForTests } from './load';
export { credentialsFrom } from './credentials';
export { uploadSettings } from './upload-settings';
export { JWKS_ALGORITHMS, DEFAULT_JWKS_ALGORITHMS } from './auth';
export { CONFIG_TABLE, CONFIG_VARIABLES, configTableMarkdown, type ConfigVariable } from './variables';
