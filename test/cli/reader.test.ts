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
