import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeViolations } from '../../functions/viewer/runtime-check';
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
});
