import { parse, type Node } from 'acorn';
import { fullAncestor } from 'acorn-walk';

/**
 * What the cloudfront-js-2.0 runtime refuses, checked on the built viewer function, after "JavaScript
 * runtime 2.0 features for CloudFront Functions" (functions-javascript-runtime-20.html) and "Restrictions
 * on CloudFront Functions". The runtime is ES 5.1 plus the ES 6–12 features that page lists: const/let,
 * async/await, template literals, arrow functions, rest parameters, the exponent operator. Code is a
 * script whose first lines import the runtime's own modules (`import cf from 'cloudfront'`).
 *
 * Syntax is checked against that list (anything else is refused). Built-ins are checked against the
 * ES 2015+ globals and methods the page does not list, which engines around it (V8 in Node, so the vm
 * sandbox too) would run without complaint.
 */

/** Node types of syntax the page does not list, with the feature's name. */
const REFUSED_SYNTAX: Record<string, string> = {
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
};

/** Globals of ES 2015+ (and hosts) that the runtime does not provide. */
export const ABSENT_GLOBALS: readonly string[] = [
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'Proxy',
  'Reflect',
  'Intl',
  'BigInt',
  'globalThis',
  'structuredClone',
  'queueMicrotask',
  'setTimeout',
  'setInterval',
  'fetch',
  'require',
  'process',
];

/** Methods of ES 2015+ built-ins that the runtime does not provide (`Array.from`, `[].at()`, …). */
export const ABSENT_STATIC_METHODS: Readonly<Record<string, readonly string[]>> = {
  Array: ['from'],
  Object: ['fromEntries', 'hasOwn', 'groupBy'],
};
export const ABSENT_PROTOTYPE_METHODS: readonly string[] = [
  'at',
  'flat',
  'flatMap',
  'findLast',
  'findLastIndex',
  'replaceAll',
  'matchAll',
  'toSorted',
  'toReversed',
];

/** The runtime's own modules, the only ones a function may import. */
const RUNTIME_MODULES = ['cloudfront', 'crypto'];

function describe(node: Node, feature: string): string {
  return `${feature} at offset ${node.start}`;
}

/** Whether an identifier names a property (`x.Map`, `{ Map: 1 }`) rather than a variable or global. */
function isPropertyName(node: Node, ancestors: Node[]): boolean {
  const parent = ancestors[ancestors.length - 2] as (Node & Record<string, unknown>) | undefined;
  if (!parent) return false;
  if (parent.type === 'MemberExpression') return parent.property === node && !parent.computed;
  if (parent.type === 'Property') return parent.key === node && !parent.computed;
  return false;
}

/** Every construct of `code` that cloudfront-js-2.0 would refuse (empty when it would run). */
export function runtimeViolations(code: string): string[] {
  const violations: string[] = [];
  let program: Node;
  try {
    program = parse(code, { ecmaVersion: 2022, sourceType: 'module' });
  } catch (error) {
    return [`does not parse: ${(error as Error).message}`];
  }
  const body = (program as unknown as { body: Array<Node & { type: string }> }).body;
  const firstOther = body.findIndex((statement) => statement.type !== 'ImportDeclaration');
  body.forEach((statement, index) => {
    if (statement.type !== 'ImportDeclaration') return;
    const source = (statement as unknown as { source: { value: string } }).source.value;
    if (!RUNTIME_MODULES.includes(source)) violations.push(describe(statement, `import of '${source}'`));
    if (firstOther >= 0 && index > firstOther)
      violations.push(describe(statement, 'an import after other code'));
  });

  fullAncestor(program, (node, _state, ancestors) => {
    const any = node as unknown as Record<string, unknown> & Node;
    const refused = REFUSED_SYNTAX[node.type];
    if (refused) violations.push(describe(node, refused));
    if (node.type === 'LogicalExpression' && any.operator === '??') violations.push(describe(node, '??'));
    if (node.type === 'AssignmentExpression' && ['&&=', '||=', '??='].includes(any.operator as string))
      violations.push(describe(node, `${String(any.operator)}`));
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && any.generator)
      violations.push(describe(node, 'generators'));
    if (node.type === 'Property' && (any.method || any.shorthand || any.computed))
      violations.push(describe(node, 'ES 6 object literal extensions'));
    if (
      node.type === 'Identifier' &&
      ABSENT_GLOBALS.includes(any.name as string) &&
      !isPropertyName(node, ancestors)
    )
      violations.push(describe(node, `the global ${String(any.name)}`));
    if (node.type === 'MemberExpression' && !any.computed) {
      const object = any.object as { type: string; name?: string };
      const property = (any.property as { name: string }).name;
      if (object.type === 'Identifier' && ABSENT_STATIC_METHODS[object.name ?? '']?.includes(property))
        violations.push(describe(node, `${object.name}.${property}`));
      else if (ABSENT_PROTOTYPE_METHODS.includes(property)) violations.push(describe(node, `.${property}()`));
    }
  });
  return violations;
}
