import { type AnyNode, type Identifier, type Node, parse } from 'acorn';
import { base, fullAncestor, recursive, type RecursiveVisitors } from 'acorn-walk';

/**
 * What the cloudfront-js-2.0 runtime runs, as an allow-list taken from "JavaScript runtime 2.0 features
 * for CloudFront Functions" (functions-javascript-runtime-20.html), which says it lists "all supported
 * features in this runtime", and "Restrictions on CloudFront Functions". The built viewer function is
 * checked against it (syntax, imports and `require`, globals, static members, method names), so code the
 * runtime would refuse fails the build, and the vm sandbox (local/viewer-sandbox.ts) holds the same
 * globals and methods only.
 *
 * Where the page's lists are not the whole truth, AWS's own cloudfront-js-2.0 example decides:
 * `String.prototype.charCodeAt` (an ES 5.1 method the page does not list) and the global `Buffer` are
 * used by aws-samples/amazon-cloudfront-functions `kvs-jwt-verify/verify-jwt.js`.
 */

/** Statements, expressions and other nodes of the documented syntax; anything else is refused. */
const DOCUMENTED_SYNTAX = new Set<string>([
  'Program',
  'ImportDeclaration',
  'ImportDefaultSpecifier',
  // ES 5.1 statements (break … while, label), ES 6 const/let, ES 8 async/await.
  'ExpressionStatement',
  'BlockStatement',
  'EmptyStatement',
  'VariableDeclaration',
  'VariableDeclarator',
  'FunctionDeclaration',
  'ReturnStatement',
  'IfStatement',
  'SwitchStatement',
  'SwitchCase',
  'ThrowStatement',
  'TryStatement',
  'CatchClause',
  'WhileStatement',
  'DoWhileStatement',
  'ForStatement',
  'ForInStatement',
  'BreakStatement',
  'ContinueStatement',
  'LabeledStatement',
  // ES 5.1 expressions and operators, ES 6 arrow functions, rest parameters and template literals.
  'Identifier',
  'Literal',
  'ThisExpression',
  'ArrayExpression',
  'ObjectExpression',
  'Property',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'RestElement',
  'UnaryExpression',
  'UpdateExpression',
  'BinaryExpression',
  'LogicalExpression',
  'AssignmentExpression',
  'ConditionalExpression',
  'CallExpression',
  'NewExpression',
  'MemberExpression',
  'SequenceExpression',
  'TemplateLiteral',
  'TemplateElement',
  'AwaitExpression',
]);

/** Readable names for syntax the page does not list. */
const SYNTAX_NAMES: Record<string, string> = {
  ClassDeclaration: 'class',
  ClassExpression: 'class',
  ChainExpression: 'optional chaining (?.)',
  ForOfStatement: 'for-of',
  SpreadElement: 'spread (...)',
  ObjectPattern: 'destructuring',
  ArrayPattern: 'destructuring',
  AssignmentPattern: 'default parameter values',
  YieldExpression: 'generators',
  TaggedTemplateExpression: 'tagged templates',
  ImportExpression: 'dynamic import()',
  MetaProperty: 'import.meta / new.target',
  ExportNamedDeclaration: 'export',
  ExportDefaultDeclaration: 'export',
  ExportAllDeclaration: 'export',
  ImportSpecifier: 'named imports (import { x })',
  ImportNamespaceSpecifier: 'namespace imports (import * as x)',
  DebuggerStatement: 'debugger',
  WithStatement: 'with',
};

/** ES 5.1 operators plus the ES 7 exponentiation operator (`**`, `**=`). */
const BINARY_OPERATORS = new Set(
  '== != === !== < <= > >= << >> >>> + - * / % | ^ & in instanceof **'.split(' '),
);
const LOGICAL_OPERATORS = new Set(['&&', '||']);
const ASSIGNMENT_OPERATORS = new Set('= += -= *= /= %= <<= >>= >>>= |= ^= &= **='.split(' '));
/** ES 5.1 regular expression flags, and `y` (the page lists `RegExp.prototype.sticky`). */
const REGEXP_FLAGS = /^[gimy]*$/;

const TYPED_ARRAYS =
  'Float32Array Float64Array Int8Array Int16Array Int32Array Uint8Array Uint8ClampedArray Uint16Array Uint32Array'.split(
    ' ',
  );

/**
 * The documented globals, each with the static members the page lists for it (`prototype` is always
 * allowed on a constructor). The Globals section: `globalThis`, the ES 5.1 global functions, `atob`,
 * `btoa`, `NaN`, `Infinity`, `undefined`, `arguments`; the built-in objects and error types; `Buffer`.
 */
export const DOCUMENTED_GLOBALS: Readonly<Record<string, readonly string[]>> = {
  globalThis: [],
  decodeURI: [],
  decodeURIComponent: [],
  encodeURI: [],
  encodeURIComponent: [],
  isFinite: [],
  isNaN: [],
  parseFloat: [],
  parseInt: [],
  atob: [],
  btoa: [],
  NaN: [],
  Infinity: [],
  undefined: [],
  arguments: [],
  Object: [
    ...'create defineProperties defineProperty freeze getOwnPropertyDescriptor getOwnPropertyDescriptors'.split(
      ' ',
    ),
    ...'getOwnPropertyNames getPrototypeOf isExtensible isFrozen isSealed keys preventExtensions seal'.split(
      ' ',
    ),
    'assign',
    'entries',
    'values',
    // Listed as "prototype methods", but they are static in every engine.
    'is',
    'setPrototypeOf',
  ],
  // "All ES 5.1 types are supported. This includes boolean values": the Boolean wrapper, no members.
  Boolean: [],
  String: ['fromCharCode', 'fromCodePoint'],
  Number: [
    ...'EPSILON MAX_SAFE_INTEGER MIN_SAFE_INTEGER MAX_VALUE MIN_VALUE NaN NEGATIVE_INFINITY POSITIVE_INFINITY'.split(
      ' ',
    ),
    ...'isFinite isInteger isNaN isSafeInteger parseInt parseFloat'.split(' '),
  ],
  Math: [
    ...'E LN10 LN2 LOG10E LOG2E PI SQRT1_2 SQRT2'.split(' '),
    ...'abs acos acosh asin asinh atan atan2 atanh cbrt ceil clz32 cos cosh exp expm1 floor fround hypot imul'.split(
      ' ',
    ),
    ...'log log1p log2 log10 max min pow random round sign sinh sin sqrt tan tanh trunc'.split(' '),
  ],
  // "All ES 5.1 Date features are supported."
  Date: ['now', 'parse', 'UTC'],
  Function: [],
  RegExp: [],
  JSON: ['parse', 'stringify'],
  Array: ['isArray', 'of'],
  ...Object.fromEntries(TYPED_ARRAYS.map((name) => [name, ['from', 'of']])),
  ArrayBuffer: ['isView'],
  Promise: ['all', 'allSettled', 'any', 'reject', 'resolve', 'race'],
  DataView: [],
  Symbol: ['for', 'keyFor'],
  TextDecoder: [],
  TextEncoder: [],
  console: ['log'],
  Error: [],
  EvalError: [],
  InternalError: [],
  RangeError: [],
  ReferenceError: [],
  SyntaxError: [],
  TypeError: [],
  URIError: [],
  Buffer: ['alloc', 'allocUnsafe', 'byteLength', 'compare', 'concat', 'from', 'isBuffer', 'isEncoding'],
};

/** Methods every object keeps: the ES 5.1 conversions the language calls by itself. */
export const ALWAYS_KEPT_METHODS: readonly string[] = ['constructor', 'toString', 'valueOf'];

/** The documented prototype methods of each built-in constructor (`TypedArray`: all nine). */
export const DOCUMENTED_PROTOTYPE_METHODS: Readonly<Record<string, readonly string[]>> = {
  Object: ['hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'],
  String: [
    ...'charAt concat indexOf lastIndexOf match replace search slice split substr substring toLowerCase'.split(
      ' ',
    ),
    ...'trim toUpperCase codePointAt endsWith includes repeat startsWith padStart padEnd trimStart trimEnd'.split(
      ' ',
    ),
    'replaceAll',
    'charCodeAt', // not in the page's list; AWS's kvs-jwt-verify example uses it
  ],
  Number: ['toExponential', 'toFixed', 'toPrecision'],
  Function: ['apply', 'bind', 'call'],
  RegExp: ['exec', 'test'],
  Array: [
    ...'concat every filter forEach indexOf join lastIndexOf map pop push reduce reduceRight reverse shift'.split(
      ' ',
    ),
    ...'slice some sort splice unshift copyWithin fill find findIndex includes'.split(' '),
  ],
  TypedArray: [
    ...'copyWithin every fill filter find findIndex forEach includes indexOf join lastIndexOf map reduce'.split(
      ' ',
    ),
    ...'reduceRight reverse some set slice sort subarray toString'.split(' '),
  ],
  ArrayBuffer: ['slice'],
  Promise: ['catch', 'finally', 'then'],
  DataView: ['Float32', 'Float64', 'Int16', 'Int32', 'Int8', 'Uint16', 'Uint32', 'Uint8'].flatMap((type) => [
    `get${type}`,
    `set${type}`,
  ]),
  // "All ES 5.1 Date features are supported."
  Date: [
    ...'toDateString toTimeString toLocaleString toLocaleDateString toLocaleTimeString getTime'.split(' '),
    ...'getFullYear getUTCFullYear getMonth getUTCMonth getDate getUTCDate getDay getUTCDay getHours'.split(
      ' ',
    ),
    ...'getUTCHours getMinutes getUTCMinutes getSeconds getUTCSeconds getMilliseconds getUTCMilliseconds'.split(
      ' ',
    ),
    ...'getTimezoneOffset setTime setMilliseconds setUTCMilliseconds setSeconds setUTCSeconds setMinutes'.split(
      ' ',
    ),
    ...'setUTCMinutes setHours setUTCHours setDate setUTCDate setMonth setUTCMonth setFullYear'.split(' '),
    ...'setUTCFullYear toUTCString toISOString toJSON'.split(' '),
  ],
  TextDecoder: ['decode'],
  TextEncoder: ['encode', 'encodeInto'],
};

/** Methods of the built-in modules' objects (`crypto`, `querystring`, `Buffer` instances, `cloudfront`). */
const MODULE_METHODS = [
  // crypto: createHash/createHmac and the hash and HMAC objects.
  'createHash',
  'createHmac',
  'update',
  'digest',
  // Buffer.prototype.
  ...'compare copy equals fill includes indexOf lastIndexOf subarray swap16 swap32 swap64 toJSON toString write'.split(
    ' ',
  ),
  ...'Int8 UInt8 Int16BE Int16LE Int32BE Int32LE UInt16BE UInt16LE UInt32BE UInt32LE IntBE IntLE UIntBE UIntLE'
    .split(' ')
    .concat(['DoubleBE', 'DoubleLE', 'FloatBE', 'FloatLE'])
    .flatMap((type) => [`read${type}`, `write${type}`]),
  // querystring.
  ...'escape parse decode stringify encode unescape'.split(' '),
  // cloudfront: "Helper methods for origin modification" and "Helper methods for key value stores".
  ...'updateRequestOrigin selectRequestOriginById createRequestOriginGroup kvs get exists meta'.split(' '),
];

/** Every method name a documented object has: what `x.name(…)` may call when `x`'s type is unknown. */
const DOCUMENTED_METHOD_NAMES = new Set<string>([
  ...ALWAYS_KEPT_METHODS,
  ...Object.values(DOCUMENTED_PROTOTYPE_METHODS).flat(),
  ...MODULE_METHODS,
]);

/** The runtime's own modules, the only ones a function may import, as its first lines. */
const RUNTIME_MODULES = ['cloudfront', 'crypto'];
/** "You can load the module using `require('crypto')`" (and `require('querystring')`). */
const REQUIRABLE_MODULES = ['crypto', 'querystring'];

type Scope = { readonly names: Set<string>; readonly parent?: Scope };

function isDeclared(scope: Scope, name: string): boolean {
  for (let current: Scope | undefined = scope; current; current = current.parent)
    if (current.names.has(name)) return true;
  return false;
}

function patternNames(pattern: AnyNode): string[] {
  if (pattern.type === 'Identifier') return [pattern.name];
  if (pattern.type === 'RestElement') return patternNames(pattern.argument);
  return [];
}

/** `var` names declared anywhere under `node`, outside nested functions (they are hoisted). */
function varNames(node: AnyNode): string[] {
  const names: string[] = [];
  recursive(node, null, {
    Function() {},
    VariableDeclaration(declaration, state, c) {
      if (declaration.kind === 'var')
        for (const declarator of declaration.declarations) names.push(...patternNames(declarator.id));
      base.VariableDeclaration?.(declaration, state, c);
    },
  });
  return names;
}

/** `let`, `const`, function and import names a list of statements declares (block-scoped, strict code). */
function lexicalNames(statements: readonly AnyNode[]): string[] {
  return statements.flatMap((statement) => {
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var')
      return statement.declarations.flatMap((declarator) => patternNames(declarator.id));
    if (statement.type === 'FunctionDeclaration') return statement.id ? [statement.id.name] : [];
    if (statement.type === 'ImportDeclaration')
      return statement.specifiers.map((specifier) => specifier.local.name);
    return [];
  });
}

function blockScope(parent: Scope, names: string[]): Scope {
  return { names: new Set(names), parent };
}

function describe(node: Node, feature: string): string {
  return `${feature} at offset ${node.start}`;
}

const isFunction = (node: AnyNode | undefined) =>
  node !== undefined &&
  (node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression');

function syntaxViolations(program: AnyNode): string[] {
  const violations: string[] = [];
  const body = (program as { body: AnyNode[] }).body;
  const firstOther = body.findIndex((statement) => statement.type !== 'ImportDeclaration');
  body.forEach((statement, index) => {
    if (statement.type !== 'ImportDeclaration') return;
    const source = String(statement.source.value);
    if (!RUNTIME_MODULES.includes(source)) violations.push(describe(statement, `import of '${source}'`));
    if (firstOther >= 0 && index > firstOther)
      violations.push(describe(statement, 'an import after other code'));
  });

  fullAncestor(program, (node, _state, ancestors) => {
    if (!DOCUMENTED_SYNTAX.has(node.type)) {
      violations.push(describe(node, SYNTAX_NAMES[node.type] ?? `syntax ${node.type}`));
      return;
    }
    switch (node.type) {
      case 'BinaryExpression':
        if (!BINARY_OPERATORS.has(node.operator)) violations.push(describe(node, node.operator));
        break;
      case 'LogicalExpression':
        if (!LOGICAL_OPERATORS.has(node.operator)) violations.push(describe(node, node.operator));
        break;
      case 'AssignmentExpression':
        if (!ASSIGNMENT_OPERATORS.has(node.operator)) violations.push(describe(node, node.operator));
        break;
      case 'Literal':
        if (node.bigint !== undefined) violations.push(describe(node, 'BigInt literals'));
        if (node.regex && !REGEXP_FLAGS.test(node.regex.flags))
          violations.push(describe(node, `regular expression flags "${node.regex.flags}"`));
        break;
      case 'Property':
        if (node.method || node.shorthand || node.computed)
          violations.push(describe(node, 'ES 6 object literal extensions'));
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.generator) violations.push(describe(node, 'generators'));
        // "async arguments and closures are not supported": async only on a function declaration.
        if (node.async && node.type !== 'FunctionDeclaration')
          violations.push(describe(node, 'async closures'));
        break;
      case 'AwaitExpression': {
        // "await can be used inside async functions only" (a module would allow it at the top level).
        const enclosing = ancestors.slice(0, -1).reverse().find(isFunction);
        if (!enclosing || !('async' in enclosing) || !enclosing.async)
          violations.push(describe(node, 'await outside an async function'));
        break;
      }
      case 'CatchClause':
        if (!node.param) violations.push(describe(node, 'catch without a binding'));
        break;
      case 'RestElement':
        if (!isFunction(ancestors[ancestors.length - 2]))
          violations.push(describe(node, 'rest elements outside parameters'));
        break;
    }
  });
  return violations;
}

/** Free identifiers, static members and method calls outside the documented lists. */
function builtInViolations(program: AnyNode): string[] {
  const violations: string[] = [];
  // Methods the function defines itself (`{ f: function () {} }`, `{ f: g }`, `x.f = g`) may be called
  // by name; any other `x.name(…)` must be a documented method of some built-in object or module.
  const ownMethods = new Set<string>();
  fullAncestor(program, (node) => {
    if (
      node.type === 'Property' &&
      node.key.type === 'Identifier' &&
      ['FunctionExpression', 'ArrowFunctionExpression', 'Identifier', 'MemberExpression'].includes(
        node.value.type,
      )
    )
      ownMethods.add(node.key.name);
    if (
      node.type === 'AssignmentExpression' &&
      node.left.type === 'MemberExpression' &&
      !node.left.computed &&
      node.left.property.type === 'Identifier'
    )
      ownMethods.add(node.left.property.name);
  });

  const freeGlobal = (node: AnyNode, scope: Scope): string | undefined =>
    node.type === 'Identifier' && !isDeclared(scope, node.name) ? node.name : undefined;
  const isDocumented = (name: string | undefined): name is string =>
    name !== undefined && Object.hasOwn(DOCUMENTED_GLOBALS, name);

  const reference = (node: Identifier, scope: Scope) => {
    if (isDeclared(scope, node.name)) return;
    if (node.name === 'eval') violations.push(describe(node, 'eval (dynamic code evaluation)'));
    else if (!isDocumented(node.name)) violations.push(describe(node, `the global ${node.name}`));
  };

  /** `G.prototype.name` with `G` a global: `name` must be one of G's documented prototype methods. */
  const checkPrototypeMember = (node: AnyNode, property: string, scope: Scope) => {
    if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return;
    if (node.property.name !== 'prototype') return;
    const owner = freeGlobal(node.object, scope);
    if (owner === undefined) return;
    const kind = TYPED_ARRAYS.includes(owner) ? 'TypedArray' : owner;
    if (![...ALWAYS_KEPT_METHODS, ...(DOCUMENTED_PROTOTYPE_METHODS[kind] ?? [])].includes(property))
      violations.push(describe(node, `${owner}.prototype.${property}`));
  };

  const visitors = {
    Program(node, scope, c) {
      const inner = blockScope(scope, [...varNames(node), ...lexicalNames(node.body)]);
      for (const statement of node.body) c(statement, inner);
    },
    Function(node, scope, c) {
      const names = [...node.params.flatMap(patternNames), ...varNames(node.body)];
      if (node.type !== 'ArrowFunctionExpression') names.push('arguments');
      if (node.type === 'FunctionExpression' && node.id) names.push(node.id.name);
      c(node.body, blockScope(scope, names));
    },
    BlockStatement(node, scope, c) {
      const inner = blockScope(scope, lexicalNames(node.body));
      for (const statement of node.body) c(statement, inner);
    },
    ForStatement(node, scope, c) {
      base.ForStatement?.(node, blockScope(scope, node.init ? lexicalNames([node.init]) : []), c);
    },
    ForInStatement(node, scope, c) {
      base.ForInStatement?.(node, blockScope(scope, lexicalNames([node.left])), c);
    },
    SwitchStatement(node, scope, c) {
      const inner = blockScope(
        scope,
        lexicalNames(node.cases.flatMap((switchCase) => switchCase.consequent)),
      );
      base.SwitchStatement?.(node, inner, c);
    },
    CatchClause(node, scope, c) {
      base.CatchClause?.(node, blockScope(scope, node.param ? patternNames(node.param) : []), c);
    },
    Identifier: reference,
    // Assignment targets and declared names both arrive here; declared names resolve in their scope.
    VariablePattern: (node: AnyNode, scope: Scope) => reference(node as Identifier, scope),
    MemberExpression(node, scope, c) {
      if (!node.computed && node.property.type === 'Identifier') {
        const property = node.property.name;
        const object = freeGlobal(node.object, scope);
        if (object === 'globalThis') {
          if (!isDocumented(property)) violations.push(describe(node, `the global ${property}`));
        } else if (isDocumented(object) && property !== 'prototype') {
          if (!DOCUMENTED_GLOBALS[object]?.includes(property))
            violations.push(describe(node, `${object}.${property}`));
        }
        checkPrototypeMember(node.object, property, scope);
      }
      base.MemberExpression?.(node, scope, c);
    },
    CallExpression(node, scope, c) {
      const callee = node.callee;
      if (freeGlobal(callee, scope) === 'require') {
        const [module, ...rest] = node.arguments;
        const name = module?.type === 'Literal' ? String(module.value) : undefined;
        if (name === undefined || rest.length > 0 || !REQUIRABLE_MODULES.includes(name))
          violations.push(
            describe(node, `require of ${name === undefined ? 'a computed name' : `'${name}'`}`),
          );
        return;
      }
      if (freeGlobal(callee, scope) === 'Function')
        violations.push(describe(node, 'the Function constructor (dynamic code evaluation)'));
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
        const name = callee.property.name;
        const object = callee.object;
        // Calls on a global (`Object.keys`) or a prototype (`Array.prototype.x`) are checked as members.
        const checkedAsMember =
          isDocumented(freeGlobal(object, scope)) ||
          (object.type === 'MemberExpression' &&
            !object.computed &&
            object.property.type === 'Identifier' &&
            object.property.name === 'prototype');
        if (!checkedAsMember && !DOCUMENTED_METHOD_NAMES.has(name) && !ownMethods.has(name))
          violations.push(describe(node, `.${name}()`));
      }
      base.CallExpression?.(node, scope, c);
    },
    NewExpression(node, scope, c) {
      if (freeGlobal(node.callee, scope) === 'Function')
        violations.push(describe(node, 'the Function constructor (dynamic code evaluation)'));
      base.NewExpression?.(node, scope, c);
    },
  } as RecursiveVisitors<Scope>;
  recursive(program, { names: new Set<string>() }, visitors);
  return violations;
}

/**
 * Every construct of `code` that cloudfront-js-2.0 would refuse (empty when it would run): syntax the
 * page does not list, imports other than the runtime's own or after other code, and globals, static
 * members and methods outside its lists. Scope is resolved, so a local `Map` is not the global one.
 */
export function runtimeViolations(code: string): string[] {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 2022, sourceType: 'module' });
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  const syntax = syntaxViolations(program);
  // Built-ins are judged once the syntax is the documented one (patterns, classes… are refused above).
  return syntax.length > 0 ? syntax : builtInViolations(program);
}
