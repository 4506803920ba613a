import assert from 'node:assert/strict';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontResponseEvent } from 'aws-lambda';

import { isImageError } from '../../functions/core/errors';
import { parseQuery, parseQueryString, type QueryValues } from '../../functions/core/params';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { checkSignature, signaturePayload } from '../../functions/core/signing';
import { type OriginResponseHandler } from '../../functions/edge/origin-response';
import { signUrl } from '../../functions/signing/sign-url';
import { buildViewerFunction } from '../../functions/viewer/build';
import type { ViewerEvent } from '../../functions/viewer/viewer-request';
import { type LocalS3 } from '../../local/s3-server';
import { localEdgeConfig } from '../../local/stack';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { originResponseEvent } from '../support/edge-event';
import { startEdgeHandler } from '../support/edge-handler';
import * as images from '../support/images';

/**
 * Issue 11, item 2: a request must never reach Object.prototype. Every map keyed by request input in
 * functions/ is a null-prototype object (`Object.create(null)`, which CloudFront Functions' runtime 2.0
 * supports "without properties list": JavaScript runtime 2.0 features, Primitive objects,
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html)
 * or is only read through own keys.
 */

const HOSTILE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__proto__[x]',
  '__proto__[multiValue]',
  'constructor[prototype][multiValue]',
  '__defineGetter__',
  'multiValue',
];
/** The same names as a client may send them: raw and percent-encoded (`%5F%5Fproto%5F%5F`). */
const SENT_NAMES = HOSTILE_NAMES.concat(
  HOSTILE_NAMES.map((name) =>
    name.replace(/[_[\]]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  ),
);

function prototypeSnapshot() {
  const proto = Object.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .sort()
    .map((name) => [name, Object.getOwnPropertyDescriptor(proto, name)]);
}

/** Asserts Object.prototype is as it was, and that no hostile name reads through from it. */
function assertPrototypeUnchanged(before: ReturnType<typeof prototypeSnapshot>) {
  assert.deepEqual(prototypeSnapshot(), before);
  const probe = {} as Record<string, unknown>;
  for (const name of ['multiValue', 'x', 'value', 'width', '1']) assert.equal(probe[name], undefined, name);
}

/** JSON as CloudFront and Lambda deliver events: `__proto__` is then an own key, not the prototype. */
function fromJson<T>(json: string): T {
  return JSON.parse(json) as T;
}

describe('prototype pollution: request input never reaches Object.prototype (issue 11, item 2)', () => {
  let snapshot: ReturnType<typeof prototypeSnapshot>;
  beforeEach(() => {
    snapshot = prototypeSnapshot();
  });
  afterEach(() => assertPrototypeUnchanged(snapshot));

  describe('parseQuery and signing', () => {
    const rules = DEFAULT_RULES;
    const normal = parseQuery(parseQueryString('width=400'), 'a.jpg', undefined, rules);

    for (const name of SENT_NAMES) {
      it(`ignores ${name} as a parameter name`, () => {
        const values = parseQueryString(`${name}=1&${name}=2&width=400`);
        assert.equal(Object.getPrototypeOf(values), null);
        assert.deepEqual(parseQuery(values, 'a.jpg', undefined, rules), normal);
        assert.equal(parseQuery(parseQueryString(`${name}=1`), 'a.jpg', undefined, rules), null);
        assert.equal(
          signaturePayload('a.jpg', values),
          signaturePayload('a.jpg', parseQueryString('width=400')),
        );
      });
    }

    it('reads a QueryValues whose own keys are hostile names (as JSON.parse makes them)', () => {
      const values = fromJson<QueryValues>(
        '{"__proto__":["1"],"constructor":["2"],"toString":["3"],"hasOwnProperty":["4"],"width":["400"]}',
      );
      assert.deepEqual(parseQuery(values, 'a.jpg', undefined, rules), normal);
      assert.throws(
        () => checkSignature('a.jpg', values, 0, () => 'x'),
        (e: unknown) => isImageError(e) && e.status === 403,
      );
    });

    it('refuses hostile names as values with the typed 400', () => {
      for (const query of [
        'fit=constructor&w=1&h=1',
        'format=__proto__',
        'format=toString',
        'enlarge=valueOf',
      ]) {
        assert.throws(
          () => parseQuery(parseQueryString(query), 'a.jpg', undefined, rules),
          (e: unknown) => isImageError(e) && e.status === 400,
          query,
        );
      }
    });
  });

  describe('the built viewer function', () => {
    const SECRET = 'prototype-secret-1';
    const plain = loadViewerFunction(
      buildViewerFunction({ rules: DEFAULT_RULES, originalsOriginId: 'originals', errorMaxAge: 30 }),
    );
    const signed = loadViewerFunction(
      buildViewerFunction({
        rules: DEFAULT_RULES,
        originalsOriginId: 'originals',
        errorMaxAge: 30,
        signingSecret: SECRET,
      }),
    );

    /** A viewer event whose query, headers and cookies also carry `name` as an own key. */
    function hostileEvent(uri: string, query: string, name: string): ViewerEvent {
      const entries: string[] = [];
      for (const pair of query.split('&').filter(Boolean)) {
        const [n = '', v = ''] = pair.split('=');
        entries.push(`${JSON.stringify(n)}:{"value":${JSON.stringify(v)}}`);
      }
      const hostile = `${JSON.stringify(name)}:{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]}`;
      return fromJson<ViewerEvent>(
        `{"request":{"method":"GET","uri":${JSON.stringify(uri)},` +
          `"querystring":{${[hostile].concat(entries).join(',')}},` +
          `"headers":{${hostile},"accept":{"value":"image/webp"}},"cookies":{${hostile}}}}`,
      );
    }

    for (const name of SENT_NAMES) {
      it(`rewrites as usual with ${name} in the query, headers and cookies`, () => {
        const { result } = plain(hostileEvent('/photos/cat.jpg', 'width=400&format=auto', name));
        assert.ok(!isViewerResponse(result), JSON.stringify(result));
        assert.equal(result.uri, '/photos/cat.jpg/_w400_q80.webp');

        const url = new URL(signUrl('/photos/cat.jpg?width=400', SECRET), 'https://cdn.example');
        const ok = signed(hostileEvent(url.pathname, url.search.slice(1), name)).result;
        assert.ok(!isViewerResponse(ok), JSON.stringify(ok));
        assert.equal(ok.uri, '/photos/cat.jpg/_w400_q80.jpeg');
        const refused = signed(hostileEvent('/photos/cat.jpg', 'width=400', name)).result;
        assert.ok(isViewerResponse(refused));
        assert.equal(refused.statusCode, 403);
      });
    }

    it('still answers a normal request as a fresh function does, after all of them', () => {
      for (const name of SENT_NAMES) plain(hostileEvent('/a.jpg', 'w=10', name));
      const fresh = loadViewerFunction(
        buildViewerFunction({ rules: DEFAULT_RULES, originalsOriginId: 'originals', errorMaxAge: 30 }),
      );
      for (const query of ['width=400', 'width=400&height=300&fit=inside&format=png', '', 'w=abc']) {
        const event = hostileEvent('/photos/cat.jpg', query, 'utm_source');
        assert.deepEqual(plain(event), fresh(event), query);
      }
    });
  });

  describe('the edge origin-response handler (real s3rver, real sharp)', () => {
    const config = localEdgeConfig();
    let s3: LocalS3;
    let client: S3Client;
    let handler: OriginResponseHandler;

    before(async () => {
      ({ s3, client, handler } = await startEdgeHandler(config, { timeoutMs: 3000, log: () => {} }));
      await client.send(
        new PutObjectCommand({
          Bucket: config.originalsBucket,
          Key: 'photos/cat.jpg',
          Body: await images.photoJpeg(300, 200),
        }),
      );
    });

    after(async () => {
      client.destroy();
      await s3.close();
    });

    /** The documented event, with every hostile name as an own key of its header maps and query. */
    function hostileEdgeEvent(uri: string): CloudFrontResponseEvent {
      const event = originResponseEvent(uri, '404');
      const json = JSON.stringify(event);
      const headers = HOSTILE_NAMES.map((name) => `${JSON.stringify(name)}:[{"key":"x","value":"1"}]`).join(
        ',',
      );
      const hostile = fromJson<CloudFrontResponseEvent>(
        json.replace(/"headers":\{/g, `"headers":{${headers},`),
      );
      const cf = hostile.Records[0]!.cf;
      cf.request.querystring = SENT_NAMES.map((name) => `${name}=1`).join('&');
      assert.ok(Object.prototype.hasOwnProperty.call(cf.request.headers, '__proto__'));
      return hostile;
    }

    it('resizes as usual, and a normal event still works after', async () => {
      for (const width of [40, 41]) {
        const response = await handler(hostileEdgeEvent(`/photos/cat.jpg/_w${width}_q80.webp`));
        assert.equal(response.status, '200');
        assert.equal(response.headers?.['content-type']?.[0]?.value, 'image/webp');
      }
      const missing = await handler(hostileEdgeEvent('/__proto__/_w40_q80.webp'));
      assert.equal(missing.status, '404');
      const normal = await handler(originResponseEvent('/photos/cat.jpg/_w42_q80.jpeg', '404'));
      assert.equal(normal.status, '200');
    });
  });
});
