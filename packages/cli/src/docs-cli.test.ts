import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSelection } from '@assay/core';
import { parseCommandLine, VERBS } from './parse-command-line.js';

// docs/cli.md is the reference users copy from: every command it shows must parse, every
// selection in it must be valid, and every verb and option must be documented.
const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

/** Splits a shell command line into words (double and single quotes; no expansion). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

function documentedCommands(): string[][] {
  const out: string[][] = [];
  for (const block of doc.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      for (const part of raw.replace(/\s+#.*$/, '').split('&&')) {
        const words = shellWords(part.trim());
        if (words[0] === 'npx') words.shift();
        if (words[0] === 'assets') out.push(words.slice(1));
      }
    }
  }
  return out;
}

describe('docs/cli.md', () => {
  const commands = documentedCommands();

  it('shows commands for every verb', () => {
    const verbs = new Set(commands.map((c) => c[0]));
    for (const verb of VERBS) expect(verbs.has(verb.name), verb.name).toBe(true);
    expect(commands.length).toBeGreaterThan(20);
  });

  it('shows only commands that parse, with valid selections', () => {
    for (const argv of commands) {
      const parsed = parseCommandLine(argv);
      expect(parsed.kind, argv.join(' ')).toBe('run');
      if (parsed.kind !== 'run') continue;
      for (const name of ['select', 'exclude']) {
        const value = parsed.values[name];
        if (typeof value === 'string') expect(() => parseSelection(value), value).not.toThrow();
      }
    }
  });

  it('documents every option of every verb', () => {
    for (const verb of VERBS) {
      for (const name of Object.keys(verb.options)) expect(doc, `${verb.name} --${name}`).toContain(`--${name}`);
    }
  });
});
