import { createHmac, createHash } from 'node:crypto';
import vm from 'node:vm';
import {
  ABSENT_GLOBALS,
  ABSENT_PROTOTYPE_METHODS,
  ABSENT_STATIC_METHODS,
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

const WITHOUT_ABSENT_BUILT_INS = [
  ...ABSENT_GLOBALS.filter((name) => name !== 'globalThis').map((name) => `delete globalThis.${name};`),
  ...Object.entries(ABSENT_STATIC_METHODS).flatMap(([object, methods]) =>
    methods.map((method) => `delete ${object}.${method};`),
  ),
  ...ABSENT_PROTOTYPE_METHODS.flatMap((method) =>
    ['Array', 'String', 'TypedArray'].map((object) =>
      object === 'TypedArray'
        ? `delete Object.getPrototypeOf(Uint8Array.prototype).${method};`
        : `delete ${object}.prototype.${method};`,
    ),
  ),
].join('\n');

export function isViewerResponse(result: ViewerRequest | ViewerResponse): result is ViewerResponse {
  return (result as ViewerResponse).statusCode !== undefined;
}

/**
 * Runs the built viewer-request artifact in a fresh `vm` context, the way CloudFront runs it: a
 * script with a top-level `handler`, whose `import x from 'cloudfront' | 'crypto'` lines are bound to
 * stand-ins for the runtime's own modules. Nothing else from Node is reachable from the code, code the
 * runtime would refuse is refused (runtime-check.ts), and V8 built-ins the runtime lacks are removed.
 */
export function loadViewerFunction(code: string): ViewerFunction {
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
  const refused = runtimeViolations(code);
  if (refused.length > 0)
    throw new Error(`cloudfront-js-2.0 would refuse this function: ${refused.join('; ')}`);
  const context = vm.createContext({ __runtimeModules: runtimeModules });
  // V8's built-ins that the runtime lacks are removed, so calling one fails here as it would there.
  new vm.Script(WITHOUT_ABSENT_BUILT_INS).runInContext(context);
  new vm.Script(script, { filename: 'viewer-request.js' }).runInContext(context);
  // The event crosses into the sandbox as JSON, as CloudFront's does, and the result comes back the same way.
  const invoke = new vm.Script('JSON.stringify(handler(JSON.parse(__eventJson)))');
  return (event) => {
    selectedOrigin = undefined;
    context.__eventJson = JSON.stringify(event);
    const result = JSON.parse(invoke.runInContext(context, { timeout: RUN_TIMEOUT_MS }) as string);
    return { result: result as ViewerRequest | ViewerResponse, originId: selectedOrigin };
  };
}
