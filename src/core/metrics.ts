// Metric keys (design.md §5, contract): namespaced strings, defined once and used everywhere.
export const METRICS = {
  trainLoss: 'train/loss',
  trainTextLoss: 'train/text_loss',
  trainImageLoss: 'train/image_loss',
  valTextLoss: 'val/text_loss',
  valImageLoss: 'val/image_loss',
  valEnglishLoss: 'val/english_loss',
  valEnglishOodLoss: 'val/english_ood_loss',
  lr: 'optim/lr',
  gradNorm: 'optim/grad_norm',
  /**
   * Trained tokens per second of training time: the loss-masked positions of a step's batch (the tokens the optimizer
   * learns from; pad never) over the step's wall time (forward, backward, update, read-back). Evaluation and sampling
   * are not training time and are timed separately. The playground's status and ETA use the same definition.
   */
  tokensPerSecond: 'speed/tokens_per_second',
  stepMs: 'speed/step_ms',
  numTensors: 'mem/num_tensors',
  numBytes: 'mem/num_bytes',
  vqReconMse: 'vq/recon_mse',
  vqPsnr: 'vq/psnr',
  vqCodeUsage: 'vq/code_usage',
  vqPerplexity: 'vq/perplexity',
} as const;

export type MetricKey = (typeof METRICS)[keyof typeof METRICS];
