// Metric keys (docs/architecture.md §5, contract): namespaced strings, defined once and used everywhere. `val/english_loss` and
// `val/english_ood_loss` are over the full softmax (so recorded runs stay readable); the `_text_ids` pair is the
// forgetting verdict's figure.
export const METRICS = {
  trainLoss: 'train/loss',
  trainTextLoss: 'train/text_loss',
  trainImageLoss: 'train/image_loss',
  valTextLoss: 'val/text_loss',
  valImageLoss: 'val/image_loss',
  valEnglishLoss: 'val/english_loss',
  valEnglishOodLoss: 'val/english_ood_loss',
  /** Held-out NLL over every position trained on (caption + image + <|boi|>/<|eoi|>): the LR sweep's criterion. */
  valLoss: 'val/loss',
  /** Held-out image loss split: −log P(any image id) at image positions … */
  diagImageLeak: 'diag/image_leak_loss',
  /** … and −log P(right code | image id) = val/image_loss − the leak. */
  diagImageWithin: 'diag/image_within_loss',
  /** ‖θ − θ₀‖ / ‖θ₀‖ over the transformer blocks (attention, MLP, their LayerNorms). */
  diagBodyChange: 'diag/body_change',
  /** ‖θ − θ₀‖ / ‖θ₀‖ over the token and position embeddings (and an untied head). */
  diagEmbeddingChange: 'diag/embedding_change',
  /** Held-out English loss with the softmax restricted to the LM's own text ids (image ids masked out). */
  valEnglishLossTextIds: 'val/english_loss_text_ids',
  valEnglishOodLossTextIds: 'val/english_ood_loss_text_ids',
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
