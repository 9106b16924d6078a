/**
 * Local backend: function folders that are not loaded because their manifest is wrong. They are
 * not in the function list, so without this check a typo in function.json only shows as a
 * function that is missing.
 */
import type { DoctorCheck } from './types.js';

export const manifestsCheck: DoctorCheck = {
  id: 'manifests',
  title: 'local manifests',
  applies: (ctx) => typeof ctx.services.backend.unusableFunctions === 'function',
  fix: "Fix each folder's function.json (the problem is named on each line above).",
  async run(ctx) {
    const unusable = (await ctx.services.backend.unusableFunctions?.({ signal: ctx.signal })) ?? [];
    if (unusable.length === 0) return { status: 'pass', message: 'every function folder loaded' };
    return {
      status: 'fail',
      message: `${unusable.length} function folder${unusable.length === 1 ? ' is' : 's are'} not loaded: the manifest is wrong`,
      details: unusable.map((u) => `${u.name} (${u.location}): ${u.problem}`),
    };
  },
};
