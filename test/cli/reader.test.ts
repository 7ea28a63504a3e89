/**
 * The CLI's outputs with the reader's fast path and with csv-parse alone (EM_FIT_TEST_READER,
 * see io/csv.ts): the same bytes on standard output and standard error, and the same exit
 * code, for the per-row outputs (which read the input a second time) as for the fit's.
 * The readers themselves are compared in test/io/differential.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { emFit, fixture } from '../helpers/cli.js';

const quoted = `id,"x",g\n1,"1.5",a\n2,2.5,"a"\n3,NA,b\n"4","9.0",b\n5,9.5,"b, c"\n6,10,b\n`;

describe('the fast path and csv-parse give the CLI the same outputs', () => {
  it.each([
    ['seed, partition, CSV', [fixture('seed.csv'), '--var', 'Var', '--init', 'partition1', '--format', 'csv']],
    ['airquality, skip, NDJSON', [fixture('real/airquality_Ozone.csv'), '--var', 'Ozone', '--k', '2', '--missing', 'skip', '--format', 'ndjson']],
    ['airquality, skip, JSON', [fixture('real/airquality_Ozone.csv'), '--var', 'Ozone', '--k', '1:3', '--missing', 'skip', '--json']],
    ['faithful, text', [fixture('faithful.csv'), '--var', 'waiting', '--k', '2', '--rows', 'all']],
    ['quotes from standard input, CSV with --id', ['-', '--var', 'x', '--init', 'g', '--missing', 'skip', '--format', 'csv', '--id', 'id']],
    ['quotes from standard input, --by CSV', ['-', '--var', 'x', '--by', 'g', '--k', '1', '--missing', 'skip', '--format', 'csv']],
    ['several columns, partition, CSV', [fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--format', 'csv']],
    ['several columns with a missing value, skip, JSON', ['-', '--var', 'id,x', '--init', 'g', '--missing', 'skip', '--json']],
  ])('%s', (_, args) => {
    const input = args[0] === '-' ? quoted : undefined;
    const fast = emFit(args, { input, env: { EM_FIT_TEST_READER: 'fast' } });
    const slow = emFit(args, { input, env: { EM_FIT_TEST_READER: 'csv-parse' } });
    expect(fast.code, fast.stderr).toBe(0);
    expect(fast.stdout).toBe(slow.stdout);
    expect(fast.stderr).toBe(slow.stderr);
    expect(fast.code).toBe(slow.code);
  });
});

describe('numbers with a decimal comma', () => {
  it("reads R's write.csv2 (semicolons) with --decimal-comma", () => {
    const r = emFit(['-', '--var', 'x', '--init', 'g', '--json', '--no-responsibilities', '--decimal-comma'], { input: 'x;g\n1,5;a\n2,5;a\n9,5;b\n10,5;b\n' });
    expect(r.code, r.stderr).toBe(0);
    // The groups' means: (1.5 + 2.5)/2 and (9.5 + 10.5)/2.
    expect(JSON.parse(r.stdout).components.map((c: { mean: number }) => c.mean)).toEqual([2, 10]);
  });

  it('in a file separated by commas (quoted), hints at --decimal-comma -d , and reads it with them', () => {
    // The hint said --decimal-comma alone, which reads ";" between fields; that gave "give
    // -d ,", and -d , with --decimal-comma was a usage error: a circle with no way out.
    const input = 'y,x\n1,"1,5"\n2,"2,5"\n3,"3,5"\n';
    const hinted = emFit(['-', '--var', 'x', '--k', '1'], { input });
    expect(hinted.code).toBe(3);
    expect(hinted.stderr).toContain('for numbers with a decimal comma, give --decimal-comma -d ,');
    const r = emFit(['-', '--var', 'x', '--k', '1', '--json', '--no-responsibilities', '--decimal-comma', '-d', ','], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).components[0].mean).toBe(2.5);
    // An unquoted decimal comma splits its row: an error that names the line.
    const split = emFit(['-', '--var', 'x', '--k', '1', '--decimal-comma', '-d', ','], { input: 'y,x\n1,1,5\n' });
    expect(split.code).toBe(3);
    expect(split.stderr).toMatch(/line 2/);
  });
});
