/** Byte-for-byte comparison of dataset directories, for import tests. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Every file under `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** `zarr.json` of the group with its one time-dependent field blanked. */
function withoutCreationTime(text: string): string {
  const json = JSON.parse(text) as { attributes?: { seisproc?: { created_at?: string } } };
  if (json.attributes?.seisproc) json.attributes.seisproc.created_at = '';
  return JSON.stringify(json);
}

/**
 * The files that differ between two dataset directories (missing on either side, or with other
 * bytes). The group's `created_at` is the only field allowed to differ.
 */
export async function differingFiles(a: string, b: string): Promise<string[]> {
  const [filesA, filesB] = await Promise.all([listFiles(a), listFiles(b)]);
  const all = [...new Set([...filesA, ...filesB])].sort();
  const differing: string[] = [];
  for (const file of all) {
    const [x, y] = await Promise.all([
      fs.readFile(path.join(a, file)).catch(() => undefined),
      fs.readFile(path.join(b, file)).catch(() => undefined),
    ]);
    if (!x || !y) {
      differing.push(file);
    } else if (file === 'zarr.json') {
      if (withoutCreationTime(x.toString('utf8')) !== withoutCreationTime(y.toString('utf8')))
        differing.push(file);
    } else if (!x.equals(y)) {
      differing.push(file);
    }
  }
  return differing;
}
