// The estimate before a run, for the setup and the first screen alike: the setup at the speed last measured here
// (trained tokens per second), with the mean caption length of the recorded run when it used the same caption level,
// training and evaluations plus the finishing phase (finish-eta.ts); `finishing` is that phase's share.
import { etaBefore } from './eta';
import { finishSeconds } from './finish-eta';
import { useAppStore } from './store';

export function useEtaBefore(): {
  seconds: number | null;
  finishing: number | null;
  speed: { tokensPerSecond: number; source: string } | null;
} {
  const cfg = useAppStore((s) => s.config);
  const speed = useAppStore((s) => s.device.speed);
  const recorded = useAppStore((s) => s.recorded?.finished?.report ?? null);
  const meanCaption =
    recorded &&
    recorded.config?.captionLevel === cfg.captionLevel &&
    typeof recorded.meta.meanCaptionTokens === 'number'
      ? recorded.meta.meanCaptionTokens
      : null;
  if (!speed || !cfg.arms.length) return { seconds: null, finishing: null, speed };
  const finishing = finishSeconds(cfg, speed.tokensPerSecond);
  return { seconds: etaBefore(cfg, speed.tokensPerSecond, meanCaption) + finishing, finishing, speed };
}
