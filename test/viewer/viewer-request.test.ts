import assert from 'node:assert/strict';

import { toHttpError } from '../../functions/core/error-response';
import { ERROR_STATUS, type ImageError, type ImageErrorCode } from '../../functions/core/errors';
import { DEFAULT_RULES } from '../../functions/core/rules';
import { buildViewerFunction, VIEWER_CODE_LIMIT } from '../../functions/viewer/build';
import type { ViewerEvent, ViewerRequest, ViewerResponse } from '../../functions/viewer/viewer-request';
import { isViewerResponse, loadViewerFunction } from '../../local/viewer-sandbox';
import { documentedViewerEvent } from '../support/viewer-event';

/** The documented viewer-request event (test/support/viewer-event.ts) for `uri`, `querystring` and `accept`. */
function event(
  uri: string,
  querystring: ViewerEvent['request']['querystring'] = {},
  accept?: string,
): ViewerEvent {
  return documentedViewerEvent(uri, querystring, accept ? { accept: { value: accept } } : {});
}

const code = buildViewerFunction({
  rules: DEFAULT_RULES,
  originalsOriginId: 'originals-origin',
  errorMaxAge: 45,
});
const run = loadViewerFunction(code);

function asRequest(result: ViewerRequest | ViewerResponse): ViewerRequest {
  assert.ok(!isViewerResponse(result), `expected a request, got ${JSON.stringify(result)}`);
  return result;
}

function asResponse(result: ViewerRequest | ViewerResponse): ViewerResponse {
  assert.ok(isViewerResponse(result), `expected a response, got ${JSON.stringify(result)}`);
  return result;
}

describe('viewer-request function (built artifact in a vm sandbox)', () => {
  // "Quotas on CloudFront Functions" (cloudfront-limits.html): function size at most 10 KB.
  it("refuses to build a function over CloudFront Functions' 10 KB size quota", () => {
    const bloated = {
      rules: DEFAULT_RULES,
      originalsOriginId: 'o'.repeat(VIEWER_CODE_LIMIT),
      errorMaxAge: 45,
    };
    assert.throws(() => buildViewerFunction(bloated), /over CloudFront Functions' 10240-byte limit/);
  });

  // The largest function a stack may realistically build: signed (the secret is baked in), with a long
  // secret and a long allow-list. Work that grows the viewer (issue 12) must keep this under the quota.
  it('fits the quota signed with a 64-character secret and 32 allowed widths', () => {
    const widths = Array.from({ length: 32 }, (_, i) => 64 * (i + 1));
    const largest = buildViewerFunction({
      rules: { ...DEFAULT_RULES, allowedWidths: widths, maxWidth: 2048 },
      originalsOriginId: 'originals',
      errorMaxAge: 60,
      signingSecret: 'k'.repeat(64),
    });
    const size = Buffer.byteLength(largest);
    assert.ok(size <= VIEWER_CODE_LIMIT, `${size} bytes`);
  });

  it('imports only runtime modules', () => {
    const imports = [...code.matchAll(/import\s*[\w$]+\s*from\s*["']([^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual(
      [...new Set(imports)].filter((m) => m !== 'cloudfront' && m !== 'crypto'),
      [],
    );
    assert.doesNotMatch(code, /\brequire\(|\bexport\b|\bclass\s|\?\.|\?\?/);
    assert.match(code, /function handler\(event\)/);
  });

  it('rewrites to the canonical derivative URI and drops the query string', () => {
    const { result, originId } = run(
      event('/photos/cat.jpg', { width: { value: '400' }, format: { value: 'webp' }, utm: { value: 'x' } }),
    );
    const request = asRequest(result);
    assert.equal(request.uri, '/photos/cat.jpg/_w400_q80.webp');
    assert.deepEqual(request.querystring, {});
    assert.equal(originId, undefined, 'derivatives are the default origin');
  });

  it('resolves format=auto from Accept into the URI', () => {
    const query = { w: { value: '640' }, fm: { value: 'auto' } };
    assert.equal(
      asRequest(run(event('/a.jpg', query, 'image/avif,image/webp,*/*')).result).uri,
      '/a.jpg/_w640_q50.avif',
    );
    assert.equal(
      asRequest(run(event('/a.jpg', query, 'image/webp,*/*')).result).uri,
      '/a.jpg/_w640_q80.webp',
    );
    assert.equal(asRequest(run(event('/a.jpg', query, '*/*')).result).uri, '/a.jpg/_w640_q80.jpeg');
    assert.equal(asRequest(run(event('/a.jpg', query)).result).uri, '/a.jpg/_w640_q80.jpeg');
  });

  it('sends requests without transform parameters to the originals origin', () => {
    const { result, originId } = run(event('/photos/my%20cat.jpg', { v: { value: '2' } }));
    assert.equal(asRequest(result).uri, '/photos/my%20cat.jpg');
    assert.deepEqual(asRequest(result).querystring, {});
    assert.equal(originId, 'originals-origin');
  });

  it('canonicalises percent-encoding of the path', () => {
    assert.equal(
      asRequest(run(event('/photos/%63at.jpg', { width: { value: '100' } })).result).uri,
      '/photos/cat.jpg/_w100_q80.jpeg',
    );
  });

  it('answers 400 itself for repeated parameters given as multiValue', () => {
    const response = asResponse(
      run(event('/a.jpg', { width: { value: '100', multiValue: [{ value: '100' }, { value: '200' }] } }))
        .result,
    );
    assert.equal(response.statusCode, 400);
    assert.equal(response.body.data, "Invalid 'width': must be given once\n");
    assert.equal(response.headers['cache-control']?.value, 'public, max-age=45');
  });

  // issue 12: an imgix name the stack does not implement is refused by the function, not ignored.
  it('answers 400 naming an unsupported imgix parameter, and reads imgix fit spellings', () => {
    const response = asResponse(
      run(event('/a.jpg', { w: { value: '100' }, 'mark-align': { value: 'top' } })).result,
    );
    assert.equal(response.statusCode, 400);
    assert.equal(response.body.data, "Invalid 'mark-align': is not supported\n");
    assert.equal(response.headers['x-image-error']?.value, 'invalid_parameter');
    const request = asRequest(
      run(event('/a.jpg', { w: { value: '100' }, h: { value: '50' }, fit: { value: 'clip' } })).result,
    );
    assert.equal(request.uri, '/a.jpg/_w100_h50_inside_q80.jpeg');
  });

  it('answers 400 for invalid values, traversal and malformed URIs', () => {
    const cases: Array<[string, ViewerEvent['request']['querystring']]> = [
      ['/a.jpg', { width: { value: 'abc' } }],
      ['/a.jpg', { width: { value: '99999' } }],
      ['/a/../b.jpg', { width: { value: '10' } }],
      ['/a/%2e%2e/b.jpg', {}],
      ['/a//b.jpg', {}],
      ['/a%00.jpg', {}],
      ['/%E0%A4%A.jpg', {}],
      ['/', {}],
    ];
    for (const [uri, query] of cases) {
      const response = asResponse(run(event(uri, query)).result);
      assert.equal(response.statusCode, 400, uri);
    }
  });

  it('serves a canonical derivative URI as is, within the rules', () => {
    assert.equal(asRequest(run(event('/a.jpg/_w400_q80.webp')).result).uri, '/a.jpg/_w400_q80.webp');
    assert.equal(asResponse(run(event('/a.jpg/_w9000_q80.webp')).result).statusCode, 400);
    assert.equal(
      asResponse(run(event('/a.jpg/_w400_q80.webp', { width: { value: '10' } })).result).statusCode,
      400,
    );
  });

  it('bakes the stack rules into the code', () => {
    const strict = loadViewerFunction(
      buildViewerFunction({
        rules: { ...DEFAULT_RULES, allowedWidths: [300, 600] },
        originalsOriginId: 'o',
        errorMaxAge: 5,
      }),
    );
    assert.equal(
      asRequest(strict(event('/a.jpg', { width: { value: '301' } })).result).uri,
      '/a.jpg/_w600_q80.jpeg',
    );
  });
});

describe("viewer-request function: its refusals are the shared error mapper's", () => {
  /** The ImageError a refusal carries, rebuilt from its code and message as the catalogue builds it. */
  function errorOf(response: ViewerResponse): ImageError {
    const code = response.headers['x-image-error']?.value as ImageErrorCode;
    const error = new Error(response.body.data.replace(/\n$/, '')) as Error & {
      status: number;
      code: string;
    };
    return Object.assign(error, { name: 'ImageError', status: ERROR_STATUS[code], code }) as ImageError;
  }

  /** toHttpError's answer in the CloudFront Functions response shape. */
  function mapped(error: ImageError, errorMaxAge: number): ViewerResponse {
    const http = toHttpError(error, errorMaxAge);
    return {
      statusCode: http.status,
      statusDescription: http.statusText,
      headers: Object.fromEntries(Object.entries(http.headers).map(([name, value]) => [name, { value }])),
      body: { encoding: 'text', data: http.body },
    };
  }

  it('answers every kind of refusal exactly as core/error-response.ts would (400s and the 403)', () => {
    const signed = loadViewerFunction(
      buildViewerFunction({
        rules: DEFAULT_RULES,
        originalsOriginId: 'o',
        errorMaxAge: 45,
        signingSecret: 'k'.repeat(32),
      }),
    );
    // A stack whose pixel limit is small enough to refuse with too_many_pixels.
    const small = loadViewerFunction(
      buildViewerFunction({
        rules: { ...DEFAULT_RULES, maxPixels: 1000 },
        originalsOriginId: 'o',
        errorMaxAge: 45,
      }),
    );
    const refusals = [
      run(event('/a.jpg', { width: { value: 'abc' } })).result,
      run(event('/a.jpg', { mark: { value: 'x' } })).result,
      run(event('/a//b.jpg', { width: { value: '10' } })).result,
      small(event('/a.jpg', { width: { value: '100' }, height: { value: '100' } })).result,
      run(event('/a.jpg', { width: { value: '%zz' } })).result,
      run(event('/a.jpg/_w400_q80.webp', { width: { value: '10' } })).result,
      signed(event('/a.jpg', { width: { value: '10' } })).result,
    ].map(asResponse);
    assert.deepEqual(
      refusals.map((response) => response.statusCode),
      [400, 400, 400, 400, 400, 400, 403],
    );
    assert.deepEqual(
      refusals.map((response) => response.headers['x-image-error']?.value),
      [
        'invalid_parameter',
        'invalid_parameter',
        'invalid_key',
        'too_many_pixels',
        'invalid_parameter',
        'invalid_key',
        'invalid_signature',
      ],
    );
    for (const response of refusals) assert.deepEqual(response, mapped(errorOf(response), 45));
  });
});

describe('viewer-request function: presets', () => {
  // The minifier renames the bundle's own property names (build.ts, INTERNAL_PROPERTIES); a preset
  // named like one of them must still be found by the name a URL gives.
  it("expands presets named like the bundle's own properties", () => {
    const presets = {
      spec: { width: '100' },
      list: { width: '200' },
      names: { width: '300' },
      thumb: { width: '400' },
    };
    const withPresets = loadViewerFunction(
      buildViewerFunction({ rules: { ...DEFAULT_RULES, presets }, originalsOriginId: 'o', errorMaxAge: 45 }),
    );
    for (const [name, width] of [
      ['spec', 100],
      ['list', 200],
      ['names', 300],
      ['thumb', 400],
    ] as const)
      assert.equal(
        asRequest(withPresets(event('/a.jpg', { preset: { value: name } })).result).uri,
        `/a.jpg/_w${width}_q80.jpeg`,
      );
    const unknown = asResponse(withPresets(event('/a.jpg', { preset: { value: 'nope' } })).result);
    assert.equal(unknown.body.data, "Invalid 'preset': must be one of spec, list, names, thumb\n");
  });
});

describe('viewer-request function: encoded parameter names', () => {
  it('counts an encoded name and its plain spelling as a repeat', () => {
    const { result } = run(event('/a.jpg', { w: { value: '100' }, '%77': { value: '200' } }));
    assert.equal(asResponse(result).statusCode, 400);
  });

  it('treats __proto__ as an ordinary unknown parameter', () => {
    // An own `__proto__` key, as CloudFront's JSON event would carry it (a literal would set the prototype).
    const querystring = JSON.parse(
      '{"__proto__":{"value":"1"},"width":{"value":"10"}}',
    ) as ViewerEvent['request']['querystring'];
    assert.ok(Object.prototype.hasOwnProperty.call(querystring, '__proto__'));
    const { result } = run(event('/a.jpg', querystring));
    assert.equal(asRequest(result).uri, '/a.jpg/_w10_q80.jpeg');
  });
});
