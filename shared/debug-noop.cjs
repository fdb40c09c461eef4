/**
 * Stands in for the `debug` package in function bundles (infra/build.ts `alias`). file-type's ZIP
 * reader (@tokenizer/inflate) logs through `debug`, which FC never enables, and loading `debug`
 * (tty, util, colour detection) costs 20-60 ms of the events function's cold start: file-type
 * alone loaded in 40-80 ms with it and 15-22 ms without (medians of 6 fresh processes on the
 * loaded 2-vCPU machine). Diagnostics of a library are the only thing lost. CommonJS, so both
 * `require('debug')(ns)` and `import debug from 'debug'` get the function.
 */
'use strict';

function createDebug(namespace) {
  const log = () => {};
  log.enabled = false;
  log.namespace = namespace;
  log.extend = (ns) => createDebug(`${namespace}:${ns}`);
  return log;
}

module.exports = createDebug;
