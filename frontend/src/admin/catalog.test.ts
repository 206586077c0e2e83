import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import sharedJa from '../shared/i18n/ja.json';
import ja from './i18n/ja.json';

const here = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('admin catalog', () => {
  it('has every key the admin menu asks for by name', () => {
    const known = new Set([...Object.keys(ja), ...Object.keys(sharedJa)]);
    const missing: string[] = [];
    for (const file of sources(here)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z_.0-9]+)'/g)) {
        if (m[1] && !known.has(m[1])) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
