import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DOCUMENTED_GLOBALS, runtimeViolations } from '../../functions/viewer/runtime-check';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { documentedViewerEvent } from '../support/viewer-event';

const built = readFileSync(join(__dirname, '..', '..', 'dist', 'viewer-request.js'), 'utf8');

// Issue 10, item 10: "JavaScript runtime 2.0 features for CloudFront Functions" lists what the runtime
// runs; the built function, and the sandbox that stands in for the runtime, hold to it.
describe('the viewer function against the cloudfront-js-2.0 runtime', () => {
  it("starts with the runtime's imports, as AWS's examples do (import cf from 'cloudfront')", () => {
    const lines = built.split('\n');
    assert.match(lines[0] ?? '', /^import \w+ ?from ?"cloudfront";$/);
    assert.match(lines[1] ?? '', /^import \w+ ?from ?"crypto";$/);
    assert.ok(!/\bimport\b/.test(lines.slice(2).join('\n')), 'no import after the first lines');
  });

  it('uses nothing the runtime lacks', () => {
    assert.deepEqual(runtimeViolations(built), []);
  });

  const handlerUsing = (body: string) => `function handler(event) { ${body} return event.request; }`;
  for (const [feature, code] of [
    ['class', handlerUsing('class A {}')],
    ['optional chaining (?.)', handlerUsing('var a = event.request?.uri;')],
    ['??', handlerUsing('var a = event.x ?? 1;')],
    ['for-of', handlerUsing('for (var k of []) {}')],
    ['destructuring', handlerUsing('var { uri } = event.request;')],
    ['spread (...)', handlerUsing('var a = [...[1]];')],
    ['the global Map', handlerUsing('var m = new Map();')],
    ['the global Set', handlerUsing('var s = new Set();')],
    ['Array.from', handlerUsing('var a = Array.from([1]);')],
    ['.at()', handlerUsing('var a = [1].at(0);')],
    ['Object.fromEntries', handlerUsing('var o = Object.fromEntries([]);')],
    ['generators', 'function* g() {} ' + handlerUsing('')],
    ["import of 'fs'", "import fs from 'fs';\n" + handlerUsing('')],
    ['an import after other code', "var x = 1;\nimport cf from 'cloudfront';\n" + handlerUsing('')],
  ] as const) {
    it(`refuses ${feature}, in the check and in the sandbox`, () => {
      assert.match(
        runtimeViolations(code).join('\n'),
        new RegExp(feature.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      );
      assert.throws(() => loadViewerFunction(code), /cloudfront-js-2\.0 would refuse/);
    });
  }

  it('accepts what the runtime documents: let/const, arrows, templates, rest parameters, **', () => {
    const code = handlerUsing('const f = (...xs) => `${xs.length ** 2}`; let n = f(1, 2);');
    assert.deepEqual(runtimeViolations(code), []);
  });

  it("does not let the sandbox reach V8's built-ins the runtime lacks, even by a computed name", () => {
    const code =
      'function handler(event) { var kinds = [typeof [][String.fromCharCode(97, 116)], typeof Array[String.fromCharCode(102, 114, 111, 109)]];' +
      ' return { statusCode: 200, statusDescription: kinds.join(",") }; }';
    const outcome = loadViewerFunction(code)(documentedViewerEvent('/x.jpg'));
    assert.ok(isViewerResponse(outcome.result));
    assert.equal(outcome.result.statusDescription, 'undefined,undefined');
  });

  // The page is an allow-list ("The following topics list all supported features in this runtime"):
  // anything it does not list is refused, not only the constructs named in issue 10.
  for (const [feature, code] of [
    ['eval', handlerUsing("var a = eval('1');")],
    ['Function constructor', handlerUsing("var f = new Function('return 1');")],
    ['Function constructor', handlerUsing("var f = Function('return 1');")],
    ['catch without a binding', handlerUsing('try { event.x(); } catch { }')],
    ['regular expression flags "s"', handlerUsing('var r = /a.b/s;')],
    ['BigInt literals', handlerUsing('var n = 1n;')],
    ['async closures', handlerUsing('var f = async () => 1;')],
    ['await outside an async function', 'await 1;\n' + handlerUsing('')],
    ['debugger', handlerUsing('debugger;')],
    ['.normalize()', handlerUsing("var s = 'x'.normalize();")],
    ['Object.prototype.__defineGetter__', handlerUsing('var f = Object.prototype.__defineGetter__;')],
    ['Symbol.iterator', handlerUsing('var i = Symbol.iterator;')],
    ['the global undeclared', handlerUsing('undeclared = 1;')],
    ['the global Reflect', handlerUsing('var r = globalThis.Reflect;')],
    ['the global setTimeout', handlerUsing('setTimeout(function () {}, 1);')],
    ["require of 'fs'", handlerUsing("var fs = require('fs');")],
    ['named imports', "import { kvs } from 'cloudfront';\n" + handlerUsing('')],
    ['??=', handlerUsing('event.x ??= 1;')],
  ] as const) {
    it(`refuses ${feature}, which the page does not list`, () => {
      const found = runtimeViolations(code).join('\n');
      assert.ok(found.includes(feature), `expected "${feature}" in: ${found || '(nothing)'}`);
    });
  }

  for (const [what, code] of [
    // "The globalThis object is supported" (Globals): the former deny-list refused it.
    ['globalThis', handlerUsing('var g = globalThis;')],
    // What AWS's cloudfront-js-2.0 example kvs-jwt-verify uses: charCodeAt (not in the page's list),
    // the global Buffer, console.log, Date.now, an async handler with await, and require('crypto').
    [
      "AWS's example's built-ins",
      "async function handler(event) { var x = 'a'.charCodeAt(0) ^ 1; var b = Buffer.from('aGk=', 'base64');" +
        " console.log('x' + b); var t = await Promise.resolve(Date.now()); var c = require('crypto'); return event.request; }",
    ],
    [
      'numeric separators, getters, labels and **=',
      handlerUsing(
        'var o = { get a() { return 1_000; } }; var n = 2; n **= o.a; outer: for (;;) { break outer; }',
      ),
    ],
    [
      'a local variable named like a missing global',
      handlerUsing('var Map = { get: function (k) { return k; } }; Map.get(1);'),
    ],
  ] as const) {
    it(`accepts ${what}`, () => {
      assert.deepEqual(runtimeViolations(code), []);
    });
  }
});

/** Runs `body` as a handler in the sandbox and answers the status description it returns. */
function inSandbox(body: string): string {
  const outcome = loadViewerFunction(`function handler(event) { ${body} }`)(documentedViewerEvent('/x.jpg'));
  assert.ok(isViewerResponse(outcome.result));
  return outcome.result.statusDescription ?? '';
}

describe('the vm sandbox behaves as the cloudfront-js-2.0 runtime', () => {
  it('holds the documented globals only (Buffer, TextEncoder, TextDecoder and InternalError are not in V8)', () => {
    const names = inSandbox(
      "return { statusCode: 200, statusDescription: Object.getOwnPropertyNames(globalThis).join(',') };",
    ).split(',');
    const undocumented = names.filter((name) => !(name in DOCUMENTED_GLOBALS));
    assert.deepEqual(undocumented.sort(), ['__sandbox', 'handler']);
    const missing = Object.keys(DOCUMENTED_GLOBALS).filter((name) => !names.includes(name));
    assert.deepEqual(missing.sort(), ['Buffer', 'InternalError', 'TextDecoder', 'TextEncoder', 'arguments']);
  });

  it('runs the function in strict mode ("Functions operate in strict mode by default")', () => {
    assert.equal(
      inSandbox('return { statusCode: 200, statusDescription: String(this === undefined) };'),
      'true',
    );
  });

  it('answers the start time from every Date query during a run ("Date and timestamps")', () => {
    const answer = inSandbox(
      'var first = Date.now(), sum = 0; for (var i = 0; i < 20000000; i++) sum += i;' +
        ' return { statusCode: 200, statusDescription: String(Date.now() === first && new Date().getTime() === first && sum > 0) };',
    );
    assert.equal(answer, 'true');
  });

  it('refuses dynamic code evaluation reached by a computed name ("Restricted features")', () => {
    const answer = inSandbox(
      "var kinds = [typeof globalThis['ev' + 'al']];" +
        " try { (function () {}).constructor('return 1'); kinds.push('ran'); } catch (e) { kinds.push(e.name); }" +
        " return { statusCode: 200, statusDescription: kinds.join(',') };",
    );
    assert.equal(answer, 'undefined,EvalError');
  });

  it('provides the documented console.log, atob and btoa', () => {
    const answer = inSandbox(
      "console.log('logged'); return { statusCode: 200, statusDescription: btoa('hi') + ' ' + atob('aGk=') };",
    );
    assert.equal(answer, 'aGk= hi');
  });
});
