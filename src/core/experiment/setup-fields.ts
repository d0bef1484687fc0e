/**
 * The experiment's setup fields in one table, as TF Playground's state.ts keeps its own: each field's kind and
 * range, the words the page and `--help` show, its key in the URL and its command-line flag. The page's number
 * fields (src/app/setup-check.ts), the URL (src/app/store/url-config.ts) and the CLI's setup flags
 * (src/cli/setup-flags.ts) are derived from it, so a field cannot be added to one and forgotten in another.
 * Pure data: no tfjs (the app imports it).
 */
import { LEVELS } from '../data/captions';
import type { Schedule } from '../nn/optim';
import { ARMS, type ExperimentConfig } from './config';

export type FieldKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; values: readonly string[] };

export interface SetupField {
  /** The ExperimentConfig field it sets. */
  field: keyof ExperimentConfig;
  /** As the setup form labels it; lower-cased in "what a preset changes". */
  label: string;
  /** One line: the form's tooltip and the flag's line in `--help`. */
  help: string;
  /** Its values; the range is the page's and the URL's. */
  kind: FieldKind;
  /** Its key in the page's URL (absent: not in the URL). The table's order is the URL's order. */
  url?: string;
  /**
   * Its command-line flag (absent: the page only). `min`/`max` widen the range for runs beyond a browser (a cluster
   * export); `value` is `--help`'s placeholder when the kind's is not right.
   */
  cli?: { flag: string; min?: number; max?: number; value?: string };
  /** Its place among the setup form's number fields (absent: not a number field of the form). */
  form?: number;
}

const SCHEDULE_VALUES: readonly Schedule[] = ['cosine', 'wsd'];

export const SETUP_FIELDS: readonly SetupField[] = [
  {
    field: 'preset',
    label: 'Preset',
    help: 'the setup the other fields override',
    kind: { type: 'enum', values: ['smoke', 'cpu', 'classroom', 'replication', 'lesson', 'custom'] },
    url: 'preset',
    cli: { flag: 'preset' },
  },
  {
    field: 'arms',
    label: 'Arms',
    help: 'the arms; a pre-trained arm needs its from-scratch twin',
    kind: { type: 'list', values: ARMS },
    url: 'arms',
    cli: { flag: 'arms' },
  },
  {
    field: 'seeds',
    label: 'Seeds',
    help: 'independent repeats of every arm; bands and intervals come from them',
    kind: { type: 'int', min: 1, max: 10 },
    url: 'seeds',
    cli: { flag: 'seeds', max: 20 },
    form: 0,
  },
  {
    field: 'firstSeed',
    label: 'First seed',
    help: 'the first seed: the runs are seeds K … K+N−1 (a class seat runs one)',
    kind: { type: 'int', min: 0, max: 1_000_000 },
    cli: { flag: 'first-seed' },
  },
  {
    field: 'captionLevel',
    label: 'Caption level',
    help: 'the captions: L0 category … L4 name + keywords',
    kind: { type: 'enum', values: LEVELS },
    url: 'level',
    cli: { flag: 'caption-level' },
  },
  {
    field: 'captionBudget',
    label: 'Caption budget',
    help: 'ids kept per caption (longer ones are cut); sets the sequence length',
    kind: { type: 'int', min: 4, max: 64 },
    url: 'budget',
    form: 5,
  },
  {
    field: 'steps',
    label: 'Steps',
    help: 'training steps per run',
    kind: { type: 'int', min: 1, max: 100_000 },
    url: 'steps',
    cli: { flag: 'steps', max: 1_000_000 },
    form: 1,
  },
  {
    field: 'batchSize',
    label: 'Batch',
    help: 'caption–image sequences per step',
    kind: { type: 'int', min: 1, max: 512 },
    url: 'batch',
    cli: { flag: 'batch', max: 4096 },
    form: 2,
  },
  {
    field: 'lr',
    label: 'Learning rate',
    help: 'AdamW peak, after warmup, cosine decay to the end',
    kind: { type: 'number', min: 1e-6, max: 1 },
    url: 'lr',
    cli: { flag: 'lr', value: 'X|arm=X,…' },
    form: 3,
  },
  {
    field: 'warmupSteps',
    label: 'Warmup',
    help: 'steps of linear warmup',
    kind: { type: 'int', min: 0, max: 10_000 },
    url: 'warmup',
    cli: { flag: 'warmup', max: 1_000_000 },
    form: 4,
  },
  {
    field: 'evalEvery',
    label: 'Evaluate every',
    help: 'steps between held-out losses, heatmaps and samples',
    kind: { type: 'int', min: 1, max: 10_000 },
    url: 'eval',
    cli: { flag: 'eval-every', max: 1_000_000 },
    form: 6,
  },
  {
    field: 'checkpointEvery',
    label: 'Checkpoint every',
    help: 'steps between saved checkpoints (0: none by step); one is also saved when the last is 45 s old (up to 90 s when saving is slow)',
    kind: { type: 'int', min: 0, max: 100_000 },
    url: 'ckpt',
    form: 7,
  },
  {
    field: 'rowInit',
    label: 'New rows',
    help: "how the pre-trained LM's new rows (image codes, special tokens) start",
    kind: { type: 'enum', values: ['random', 'mean', 'aligned'] },
    url: 'init',
    cli: { flag: 'row-init' },
  },
  {
    field: 'mixShare',
    label: 'English share (mix arm)',
    help: 'share of each pretrained-mix batch that is Austen text',
    kind: { type: 'number', min: 0, max: 0.9 },
    url: 'mix',
    form: 8,
  },
  {
    field: 'schedule',
    label: 'Schedule',
    help: 'learning-rate schedule after warmup',
    kind: { type: 'enum', values: SCHEDULE_VALUES },
    cli: { flag: 'schedule' },
  },
  {
    field: 'margin',
    label: 'Margin',
    help: "the verdicts' equivalence margin in nats per token, declared before the run",
    kind: { type: 'number', min: 0, max: Infinity },
    cli: { flag: 'margin', value: 'M' },
  },
  {
    field: 'evalImages',
    label: 'Held-out images',
    help: 'held-out images per evaluation (0: all)',
    kind: { type: 'int', min: 0, max: 1_000_000 },
    cli: { flag: 'eval-images' },
  },
];

/** The fields the page's URL carries, in the URL's order. */
export const URL_FIELDS = SETUP_FIELDS.filter((f): f is SetupField & { url: string } => f.url !== undefined);

/** The setup form's number fields, in the form's order. */
export const FORM_FIELDS = SETUP_FIELDS.filter((f): f is SetupField & { form: number } => f.form !== undefined).sort(
  (a, b) => a.form - b.form,
);

/** The fields the command line sets, in the table's order. */
export const CLI_FIELDS = SETUP_FIELDS.filter(
  (f): f is SetupField & { cli: NonNullable<SetupField['cli']> } => f.cli !== undefined,
);
