import assert from 'node:assert/strict';

import { type LocalStack, startLocalStack } from '../../local/stack';
import { rawStatus } from '../support/raw-request';

describe('local edge: request input reaches the viewer function as CloudFront passes it', function () {
  this.timeout(60_000);
  let stack: LocalStack;

  before(async () => {
    stack = await startLocalStack({ port: 0, log: () => {} });
  });
  after(async () => {
    await stack.close();
  });

  // Issue 10, item 11: CloudFront hands the function the raw URI; resolving `..` first would let a path
  // the function must refuse pass as another, valid one.
  for (const target of [
    '/samples/../samples/dawn.jpg?width=100',
    '/samples/%2e%2e/samples/dawn.jpg?width=100',
    '/samples/x/..%2fdawn.jpg?width=100',
    '/samples\\dawn.jpg?width=100',
    '/samples//dawn.jpg?width=100',
  ]) {
    it(`passes ${target} unresolved, so the viewer function refuses it`, async () => {
      assert.equal(await rawStatus(stack.url, target), 400);
    });
  }

  it('still serves the same image on its plain path', async () => {
    assert.equal(await rawStatus(stack.url, '/samples/dawn.jpg?width=100'), 200);
  });

  // Issue 11, item 2: a name like `__proto__` is an ordinary query or header name, never a way into
  // Object.prototype of the process.
  it('keeps Object.prototype intact for __proto__ and friends as query and header names', async () => {
    for (const target of [
      '/samples/dawn.jpg?__proto__=1&width=100',
      '/samples/dawn.jpg?__proto__=1&__proto__=2&width=100',
      '/samples/dawn.jpg?constructor=1&prototype=2&toString=3&hasOwnProperty=4&width=100',
      '/samples/dawn.jpg?__proto__[multiValue]=1&width=100',
    ]) {
      const status = await rawStatus(stack.url, target, ['__proto__: x', 'constructor: y']);
      assert.ok(status === 200 || status === 400, `${target}: ${status}`);
    }
    const probe: Record<string, unknown> = {};
    for (const name of ['multiValue', 'value', '0'])
      assert.equal(probe[name], undefined, `Object.prototype.${name} was set`);
    assert.equal(await rawStatus(stack.url, '/samples/dawn.jpg?width=120'), 200);
  });
});
