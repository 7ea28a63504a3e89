/**
 * The launcher (bin/em-fit.js) runs the bundle that the build makes (dist/bundle/em-fit.js)
 * with V8's code cache beside it. These check that the build's cache is one this node
 * accepts (a cache V8 rejects costs the start-up it was made to save, silently), and that
 * without the cache, or with a damaged one, the program runs the same.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'bundle', 'em-fit.js');
const work = mkdtempSync(join(tmpdir(), 'em-fit-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fit = (bin: string) => spawnSync(process.execPath, [bin, join(root, 'fixtures', 'seed.csv'), '--var', 'Var', '--init', 'partition1', '--json'], { encoding: 'utf8' });

describe('the launcher', () => {
  it('has a bundle and a code cache that this node accepts', () => {
    expect(existsSync(bundle)).toBe(true);
    const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData: readFileSync(`${bundle}.cache`) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('gives the same output without the cache, with a damaged one, and without the bundle', () => {
    const expected = fit(join(root, 'bin', 'em-fit.js'));
    expect(expected.status).toBe(0);
    // A copy of bin/ and dist/ beside the repository's node_modules and package.json.
    const copy = join(work, 'copy');
    cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const cache = join(copy, 'dist', 'bundle', 'em-fit.js.cache');
    writeFileSync(cache, readFileSync(cache).subarray(0, 1000));
    expect(fit(join(copy, 'bin', 'em-fit.js')).stdout).toBe(expected.stdout);
    rmSync(cache);
    expect(fit(join(copy, 'bin', 'em-fit.js')).stdout).toBe(expected.stdout);
    rmSync(join(copy, 'dist', 'bundle'), { recursive: true });
    expect(fit(join(copy, 'bin', 'em-fit.js')).stdout).toBe(expected.stdout);
  });
});

describe('the launcher without a build', () => {
  it('says so in one line and exits 1, with no stack trace', () => {
    // Neither dist/bundle nor dist/cli: an install or a build that did not finish (a raw
    // ERR_MODULE_NOT_FOUND stack trace before).
    const bare = join(work, 'bare');
    cpSync(join(root, 'bin'), join(bare, 'bin'), { recursive: true });
    const result = fit(join(bare, 'bin', 'em-fit.js'));
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`em-fit: cannot start: the program is not built (no ${join(bare, 'dist')}); run npm install, or npm run build\n`);
  });
});

describe('the launcher with a build but a module missing', () => {
  it('names the error, not a missing build', () => {
    // dist/ without its bundle and without node_modules: the modules load and a package is
    // missing, which "the program is not built" would misname (a review).
    const partial = join(work, 'partial');
    cpSync(join(root, 'bin'), join(partial, 'bin'), { recursive: true });
    cpSync(join(root, 'dist'), join(partial, 'dist'), { recursive: true, filter: (source) => !source.includes(`${join('dist', 'bundle')}`) });
    const result = fit(join(partial, 'bin', 'em-fit.js'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^em-fit: cannot start: .*ERR_MODULE_NOT_FOUND|^em-fit: cannot start: .*Cannot find package/);
    expect(result.stderr).not.toContain('not built');
  });
});
