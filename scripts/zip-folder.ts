import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

import { unzipSync, type Zippable, zipSync } from 'fflate';

/**
 * Zipping and unzipping with fflate (a small, dependency-free npm library), so the build and its tests
 * need no `zip`/`unzip` programs on the machine. Entries carry Unix permissions (0644, or 0755 where
 * the file is executable) and a fixed time, so the same folder always gives the same archive.
 */

const FIXED_TIME = new Date('2000-01-01T00:00:00Z');
const UNIX = 3;

function addFolder(root: string, folder: string, files: Zippable): void {
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) {
      throw new Error(
        `${relative(root, path)} is a symbolic link (to ${readlinkSync(path)}); zip a real file`,
      );
    }
    if (stat.isDirectory()) addFolder(root, path, files);
    else {
      const mode = stat.mode & 0o111 ? 0o755 : 0o644;
      files[relative(root, path).split(sep).join('/')] = [
        readFileSync(path),
        { os: UNIX, attrs: (0o100000 | mode) << 16, mtime: FIXED_TIME },
      ];
    }
  }
}

/** Writes every file under `folder` (paths relative to it) into the zip file `target`. */
export function zipFolder(folder: string, target: string): void {
  const files: Zippable = {};
  addFolder(folder, folder, files);
  writeFileSync(target, zipSync(files, { level: 9 }));
}

/** Extracts the zip file `archive` into `folder`. */
export function unzipTo(archive: string, folder: string): void {
  const entries = unzipSync(readFileSync(archive));
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const path = join(folder, name);
    if (relative(folder, path).startsWith('..')) throw new Error(`zip entry ${name} leaves the folder`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  }
}
