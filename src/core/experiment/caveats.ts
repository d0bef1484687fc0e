/**
 * The caveats of a report, stated in the verdict table beside the verdicts (issue 20, item 7): what the run's
 * seeds could resolve (the power of each effect, verdict-power.ts), which images the held-out losses were measured
 * on, what the pre-trained LM is and its held-out strength against a bigram when on record (lm-strength.ts), and how the learning rates were chosen.
 * Each is one plain sentence built from the report's own figures; none is a verdict.
 */
import type { ExperimentConfig } from './config';
import type { SweepResult } from './sweep';
import type { EffectPower } from './verdict-power';
import { lmStrengthSentence } from './lm-strength';

const f3 = (x: number) => x.toFixed(3);

/** One line per effect with a power figure: "A: …". */
function powerLine(name: string, p: EffectPower | null | undefined, bound: string): string | null {
  if (!p) return null;
  const eq =
    p.sdForEquivalence !== null
      ? p.equivalentWithin !== null
        ? `; TOST resolves |difference| ≤ ${f3(p.equivalentWithin)}`
        : `; equivalence out of reach (TOST needs sd ≤ ${f3(p.sdForEquivalence)} at ${p.n} seeds)`
      : '';
  const seeds = p.seedsToDecide !== null ? `; about ${p.seedsToDecide} seeds would decide it at this noise` : '';
  return `${name}: at sd ${f3(p.sd)} over ${p.n} seeds the run tells ${f3(p.fromZero)} from zero and ${f3(p.fromBound)} from ${bound} (80% power)${eq}${seeds}`;
}

export interface CaveatInput {
  config: ExperimentConfig | null;
  meta: Record<string, unknown>;
  margin: number;
  power: { A?: EffectPower | null; B?: EffectPower | null; C?: EffectPower | null };
}

/** The report's caveats, in the order power, evaluation set, LM, rates. */
export function caveats({ config, meta, margin, power }: CaveatInput): string[] {
  const out: string[] = [];
  const lines = [
    powerLine('A', power.A, `±${margin}`),
    powerLine('B', power.B, `+${margin}`),
    powerLine('C', power.C, 'ln 2'),
  ].filter((l): l is string => l !== null);
  if (lines.length) out.push(`Power (paired t, α 0.05): ${lines.join('. ')}.`);
  const evalImages = config?.evalImages;
  const valImages = typeof meta.valImages === 'number' ? meta.valImages : null;
  // A dataset with fewer validation images than asked for evaluates them all (and under 10 they are the training images).
  const all = valImages !== null && evalImages !== undefined && evalImages > 0 && valImages < evalImages;
  const same = typeof meta.validationIsTraining === 'string' ? ', which are the training images themselves' : '';
  const count = (n: number) => `${n} image${n === 1 ? '' : 's'}`;
  if (evalImages === undefined) out.push('Evaluation set: not recorded (no configuration).');
  else if (all)
    out.push(
      `Evaluation set: every validation image (${count(valImages)}, fewer than the ${evalImages} asked for${same}).`,
    );
  else if (evalImages > 0 && meta.evalOrder === 'stratified')
    out.push(
      `Evaluation set: held-out losses on a stratified ${evalImages} of the validation images, every category in proportion (selection.ts), not all of them${valImages !== null ? ` (${valImages} images evaluated)` : ''}.`,
    );
  else if (evalImages > 0)
    out.push(
      `Evaluation set: held-out losses on the first ${evalImages} validation images in the split's order — not a sample over every category${valImages !== null ? ` (${valImages} images evaluated)` : ''}.`,
    );
  else out.push(`Evaluation set: every validation image${valImages !== null ? ` (${valImages}${same})` : ''}.`);
  const lm = typeof meta.lm === 'string' ? meta.lm : null;
  const params = (meta.analysis as { captionPerplexity?: { pretrainedLMParams?: number } } | undefined)
    ?.captionPerplexity?.pretrainedLMParams;
  const strength = lmStrengthSentence(meta.lmHeldout);
  out.push(
    `Pre-trained LM: ${lm ?? 'not recorded'}${params ? `, ${(params / 1e6).toFixed(2)}M parameters` : ''}; ${
      strength
        ? `${strength}. It is one small LM, so a null result here says little about pre-trained LMs in general.`
        : 'this report holds no measure of its strength against an n-gram model of the same text, so a null result here says little about pre-trained LMs in general.'
    }`,
  );
  const sweep = meta.sweep as SweepResult | undefined;
  const steps = config?.steps;
  if (sweep && !sweep.protocol)
    out.push(
      `Learning rates: from a fixed grid of ${sweep.lrs.length} rates (${sweep.lrs.join(', ')}) run for ${sweep.steps}${steps ? ` of the main run's ${steps}` : ''} steps × ${sweep.seeds} seeds, not extended at its edges; the verdicts can move with the rate choice.`,
    );
  else if (sweep?.protocol) {
    const open = Object.entries(sweep.unresolved ?? {});
    out.push(
      `Learning rates: the fair sweep (${sweep.protocol.points}+ rates ${sweep.protocol.ratio.toFixed(3)}× apart at the full ${sweep.protocol.steps} steps × ${sweep.protocol.seeds} seeds)${open.length ? `; still at an edge: ${open.map(([a, e]) => `${a} (${e})`).join(', ')}` : ", every arm's best inside its grid"}.`,
    );
  } else out.push('Learning rates: no sweep recorded with this report.');
  return out;
}
