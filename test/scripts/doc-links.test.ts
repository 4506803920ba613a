import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const DOCUMENTS = [
  'README.md',
  'BENCHMARK.md',
  'SECURITY.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const outsideCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...outsideCode.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1] as string)));
}

describe('documentation links', () => {
  for (const document of DOCUMENTS) {
    it(`every relative link in ${document} reaches a file, and a heading where it names one`, () => {
      const text = readFileSync(join(root, document), 'utf8').replace(/```[\s\S]*?```/g, '');
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
      for (const link of links.filter((target) => !/^[a-z]+:/.test(target))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(root, document) : resolve(dirname(join(root, document)), path);
        assert.ok(existsSync(target), `${document}: ${link} does not exist`);
        assert.ok(relative(root, target).startsWith('..') === false, `${document}: ${link} leaves the repo`);
        if (anchor !== undefined && target.endsWith('.md'))
          assert.ok(
            anchors(readFileSync(target, 'utf8')).has(anchor),
            `${document}: ${link} has no such heading`,
          );
      }
    });
  }
});
