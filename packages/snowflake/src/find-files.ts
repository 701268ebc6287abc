import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A local file matched by an ingestion asset's globs. */
export interface FoundFile {
  /** Absolute path. */
  absolute: string;
  /** Path relative to the project (absolute when outside it), with `/`: `source_file` and the load-history key. */
  name: string;
  size: number;
  mtime: Date;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * A regular expression for a glob over `/`-separated paths: `**` matches any number of
 * directories, `*` and `?` stay within one segment, `[abc]` is a character class and
 * `{a,b}` an alternation.
 */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else if (ch === '{') {
      const end = glob.indexOf('}', i + 1);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, end).split(',').map((alt) => globRegExp(alt).source.slice(1, -1)).join('|')})`;
        i = end;
      }
    } else re += /[.+^$()|\\]/.test(ch) ? `\\${ch}` : ch;
  }
  return new RegExp(`^${re}$`);
}

/**
 * Lists the files matching `patterns` (relative to `projectDir`, or absolute), sorted by name
 * and deduplicated. Each pattern is walked from its longest directory prefix without glob
 * characters, so `data/*.csv` only reads `data/`.
 */
export async function findFiles(projectDir: string, patterns: readonly string[]): Promise<FoundFile[]> {
  const seen = new Set<string>();
  const out: FoundFile[] = [];
  for (const pattern of patterns) {
    const absolutePattern = (isAbsolute(pattern) ? pattern : resolve(projectDir, pattern)).split(sep).join('/');
    const segments = absolutePattern.split('/');
    const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
    const candidates: string[] = [];
    if (firstGlob < 0) {
      candidates.push(absolutePattern);
    } else {
      const base = segments.slice(0, firstGlob).join('/') || '/';
      const rest = segments.slice(firstGlob);
      const matcher = globRegExp(rest.join('/'));
      const maxDepth = rest.some((s) => s.includes('**')) ? Infinity : rest.length;
      await walk(base, '', 1, maxDepth, (rel) => {
        if (matcher.test(rel)) candidates.push(`${base === '/' ? '' : base}/${rel}`);
      });
    }
    for (const candidate of candidates) {
      const absolute = resolve(candidate);
      if (seen.has(absolute)) continue;
      const info = await stat(absolute).catch(() => undefined);
      if (!info?.isFile()) continue;
      seen.add(absolute);
      const rel = relative(projectDir, absolute);
      const name = rel.startsWith('..') || isAbsolute(rel) ? absolute.split(sep).join('/') : rel.split(sep).join('/');
      out.push({ absolute, name, size: info.size, mtime: new Date(Math.trunc(info.mtimeMs)) });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function walk(base: string, prefix: string, depth: number, maxDepth: number, visit: (relativePath: string) => void): Promise<void> {
  if (depth > maxDepth) return;
  const entries = await readdir(prefix ? join(base, prefix) : base, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(base, rel, depth + 1, maxDepth, visit);
    else visit(rel);
  }
}
