/**
 * The cost of each family's pass per million rows against the Gaussian's (K = 3, one thread):
 * a measurement, run only when asked, as `EMFIT_COST=1 npx vitest run test/models/families/cost.test.ts`,
 * because the machine is shared and timings are not assertions.
 */
import { expect, it } from 'vitest';
import { measureCosts } from '../../helpers/family-cost.js';

it.runIf(process.env.EMFIT_COST === '1')('measures each family’s pass against the Gaussian’s', () => {
  const ratios: Record<string, number> = {};
  const costs = measureCosts(1_000_000, 9, ratios);
  const js = costs['gaussian-js'];
  for (const [name, ms] of Object.entries(costs)) {
    console.log(`${name.padEnd(12)} ${ms.toFixed(1).padStart(6)} ms per pass per 1M rows  ${ratios[name].toFixed(2)}× the Gaussian's (median of the rounds' ratios), ${(ms / js).toFixed(2)}× its JavaScript kernel's`);
  }
  expect(costs.gaussian).toBeGreaterThan(0);
}, 600_000);
