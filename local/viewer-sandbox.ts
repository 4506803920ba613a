import { createHash, createHmac } from 'node:crypto';
import vm from 'node:vm';

import {
  ALWAYS_KEPT_METHODS,
  DOCUMENTED_GLOBALS,
  DOCUMENTED_PROTOTYPE_METHODS,
  runtimeViolations,
} from '../functions/viewer/runtime-check';
import type { ViewerEvent, ViewerRequest, ViewerResponse } from '../functions/viewer/viewer-request';

export interface ViewerOutcome {
  /** The request to forward (possibly rewritten), or the response the function generated. */
  readonly result: ViewerRequest | ViewerResponse;
  /** Origin chosen with `cf.selectRequestOriginById`, if any. */
  readonly originId?: string;
}

export type ViewerFunction = (event: ViewerEvent) => ViewerOutcome;

/**
 * A guard against a runaway function (an endless loop would hang the local edge), not an emulation of
 * CloudFront's compute budget: CloudFront measures compute utilisation, which no wall clock here can
 * reproduce, and a short wall-clock limit fails at random on a loaded machine (issue 17). The function's
 * work is bounded by its size (10 KB) and its input (a URL of at most 8,192 bytes, a quota of CloudFront).
 */
const RUN_TIMEOUT_MS = 5_000;

/**
 * Runs once in each fresh context, before the function, and makes it the runtime that "JavaScript runtime
 * 2.0 features for CloudFront Functions" documents (the lists are runtime-check.ts's):
 * - only the documented globals remain, and on them only the documented static and prototype methods
 *   (V8's others, such as `Map`, `Reflect`, `Array.from`, `[].at`, `Object.prototype.__defineGetter__`,
 *   are deleted, so a computed name reaching them finds nothing, as on CloudFront);
 * - `console.log`, `atob` and `btoa`, documented but not in a bare V8 context, are provided; `Buffer`,
 *   `TextEncoder` and `TextDecoder` are not, so code using them fails here (stricter than CloudFront)
 *   and runs only in the njs test;
 * - "All `Date` methods to query the current time always return the same value during the lifetime of a
 *   single function run": `Date.now()` and `new Date()` answer the run's start time;
 * - `eval` is gone and the `Function` constructor throws (createContext's `codeGeneration`), as
 *   "Restricted features" says.
 * It leaves one non-enumerable global, `__sandbox`, whose `run()` the host calls for each event (the
 * check refuses any reference to it in the function's code).
 */
const PRELUDE = `(function (documentedGlobals, documentedPrototypes, kept, host) {
  'use strict';
  var global = globalThis, names = Object.getOwnPropertyNames, descriptor = Object.getOwnPropertyDescriptor;
  var hasOwn = Function.prototype.call.bind(Object.prototype.hasOwnProperty);
  var parse = JSON.parse, stringify = JSON.stringify, RealDate = Date, start = 0;
  function prune(target, allowed) {
    if (!target) return;
    names(target).forEach(function (name) {
      var property = descriptor(target, name);
      if (typeof property.value === 'function' && allowed.indexOf(name) < 0 && property.configurable)
        delete target[name];
    });
  }
  var typedArray = Object.getPrototypeOf(Uint8Array);
  names(global).forEach(function (name) {
    if (!hasOwn(documentedGlobals, name) && descriptor(global, name).configurable) delete global[name];
  });
  names(documentedGlobals).forEach(function (name) {
    var value = global[name];
    if (typeof value === 'function' || (typeof value === 'object' && value !== null && name !== 'globalThis')) {
      prune(value, documentedGlobals[name].concat(['prototype']));
      if (typeof value === 'function' && !/^(Float|Int|Uint)/.test(name))
        prune(value.prototype, kept.concat(documentedPrototypes[name] || []));
    }
  });
  prune(typedArray, documentedGlobals.Uint8Array);
  prune(typedArray.prototype, kept.concat(documentedPrototypes.TypedArray));

  function FrozenDate(...args) {
    if (!new.target) return new RealDate(start).toString();
    return args.length === 0 ? new RealDate(start) : new RealDate(...args);
  }
  FrozenDate.prototype = RealDate.prototype;
  RealDate.prototype.constructor = FrozenDate;
  FrozenDate.now = function now() { return start; };
  FrozenDate.parse = RealDate.parse;
  FrozenDate.UTC = RealDate.UTC;
  global.Date = FrozenDate;

  global.console = { log: function log(message) { host.log(String(message)); } };
  global.atob = function atob(text) { return host.atob(String(text)); };
  global.btoa = function btoa(text) { return host.btoa(String(text)); };

  Object.defineProperty(global, '__sandbox', {
    value: {
      input: '',
      start: 0,
      run: function () {
        var event = parse(this.input);
        this.input = '';
        start = this.start;
        return stringify(handler(event));
      },
    },
  });
})`;

interface SandboxRunner {
  input: string;
  start: number;
}

export function isViewerResponse(result: ViewerRequest | ViewerResponse): result is ViewerResponse {
  return (result as ViewerResponse).statusCode !== undefined;
}

/** Console output of the function, as CloudFront would send it to CloudWatch Logs; dropped here. */
function discard(_message: string): void {}

/**
 * Runs the built viewer-request artifact in a fresh `vm` context, the way CloudFront runs it: a strict-mode
 * script with a top-level `handler`, whose `import x from 'cloudfront' | 'crypto'` lines are bound to
 * stand-ins for the runtime's own modules. Code the runtime would refuse is refused (runtime-check.ts),
 * and the context holds the documented globals only (PRELUDE); nothing from Node is reachable.
 */
export function loadViewerFunction(code: string): ViewerFunction {
  const refused = runtimeViolations(code);
  if (refused.length > 0)
    throw new Error(`cloudfront-js-2.0 would refuse this function: ${refused.join('; ')}`);
  let selectedOrigin: string | undefined;
  const runtimeModules: Record<string, unknown> = {
    cloudfront: {
      selectRequestOriginById(originId: string) {
        selectedOrigin = originId;
      },
      updateRequestOrigin() {
        throw new Error('updateRequestOrigin is not used by this function');
      },
    },
    crypto: { createHmac, createHash },
  };
  const script = code.replace(
    /import\s*([\w$]+)\s*from\s*["'](cloudfront|crypto)["'];?/g,
    (_match, name: string, module: string) => `var ${name}=__runtimeModules[${JSON.stringify(module)}];`,
  );
  // "Dynamic code evaluation is not supported. Both eval() and Function constructors throw an error."
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  const prelude = new vm.Script(PRELUDE).runInContext(context) as (...args: unknown[]) => void;
  prelude(DOCUMENTED_GLOBALS, DOCUMENTED_PROTOTYPE_METHODS, ALWAYS_KEPT_METHODS, {
    log: discard,
    atob: (text: string) => atob(text),
    btoa: (text: string) => btoa(text),
  });
  // "Functions operate in strict mode by default", so the script runs as strict code.
  context.__runtimeModules = runtimeModules;
  new vm.Script(`'use strict';${script}`, { filename: 'viewer-request.js' }).runInContext(context);
  delete context.__runtimeModules;
  const sandbox = context.__sandbox as SandboxRunner;
  const invoke = new vm.Script('__sandbox.run()');
  // The event crosses into the sandbox as JSON, as CloudFront's does, and the result comes back the same way.
  return (event) => {
    selectedOrigin = undefined;
    sandbox.input = JSON.stringify(event);
    sandbox.start = Date.now();
    const result = JSON.parse(invoke.runInContext(context, { timeout: RUN_TIMEOUT_MS }) as string);
    return { result: result as ViewerRequest | ViewerResponse, originId: selectedOrigin };
  };
}
