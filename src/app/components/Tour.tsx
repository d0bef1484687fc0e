// The guided tour for a classroom: eight steps through the paper's argument on the live page, each opening the
// panel it talks about.
import { useEffect } from 'react';
import { useAppStore } from '../store';
import type { Panel } from '../store/ui';

export const TOUR: { panel: Panel; title: string; text: string }[] = [
  { panel: 'experiment', title: 'The question', text: 'Large language models know a lot about text. If we teach one to draw — by writing an image as a sequence of tokens after its caption — does all that reading help? Zhang et al. (2023) found: no. This page lets you check that yourself, at small scale, in this browser.' },
  { panel: 'data', title: 'Captions and images', text: 'The training data: small emoji, each with a caption. Pick a caption level to see how much a caption says. You can also drop your own folder of images with a captions.csv here.' },
  { panel: 'tokenizer', title: 'What image tokens are', text: 'A VQ-VAE cuts every 32×32 image into an 8×8 grid of codes from a “vocabulary” of 512. Those 64 codes are the image tokens. The bottom row shows what the decoder rebuilds from them — close, not perfect.' },
  { panel: 'experiment', title: 'Two students', text: 'Two copies of the same small GPT learn [caption][image tokens]: one pre-trained on five Jane Austen novels, one from random weights — a blank slate (tabula rasa). Everything else is identical: same data, same order, same steps. Press Play to start.' },
  { panel: 'experiment', title: 'What to watch', text: 'Image-token loss: if reading Austen helped, the orange (pre-trained) curve would end lower than the blue one. Caption loss: the pre-trained arm knows words, so it starts lower — does that head start last? English perplexity: does the pre-trained model forget English while it learns pictures? Dashed lines are a recorded run, so you know the shape to expect.' },
  { panel: 'samples', title: 'What they draw', text: 'At every evaluation each arm draws the same held-out captions. Early on both draw noise; later colours and shapes appear. Type your own caption to test them.' },
  { panel: 'analysis', title: 'Why it does not help', text: 'Image tokens are not like words: the previous token says far less about the next one, and their frequencies are flat rather than Zipfian. And captions are short and simple — a tiny model learns them from nothing.' },
  { panel: 'report', title: 'The verdict', text: '“Reproduced” means this run agrees with the paper on that effect, with a 95% interval across seeds to show how sure we are; one seed gives no interval, so it says “inconclusive”. Export the report, the metrics or the trained weights here.' },
];

export function Tour() {
  const step = useAppStore((s) => s.ui.tour);
  const { setTour, setPanel } = useAppStore.getState();
  useEffect(() => {
    if (step !== null) setPanel(TOUR[step].panel);
  }, [step, setPanel]);
  if (step === null) return null;
  const t = TOUR[step];
  return (
    <aside className="tour" role="dialog" aria-label="Guided tour" data-testid="tour" data-step={step}>
      <p className="muted small">
        Tour · {step + 1} of {TOUR.length}
      </p>
      <h3>{t.title}</h3>
      <p>{t.text}</p>
      <div className="row">
        <button type="button" className="secondary" disabled={step === 0} onClick={() => setTour(step - 1)}>
          Back
        </button>
        {step < TOUR.length - 1 ? (
          <button type="button" onClick={() => setTour(step + 1)} data-testid="tour-next">
            Next
          </button>
        ) : (
          <button type="button" onClick={() => setTour(null)}>
            Done
          </button>
        )}
        <button type="button" className="link" onClick={() => setTour(null)}>
          Close
        </button>
      </div>
    </aside>
  );
}
