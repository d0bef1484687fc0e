// The per-position image-token loss as an 8×8 grid per arm, on one shared colour scale: early positions (top left)
// are hardest, since the model has seen fewest image tokens of the picture there.
export function Heatmaps({ byArm, step }: { byArm: Record<string, number[]>; step: number }) {
  const arms = Object.keys(byArm);
  const all = arms.flatMap((a) => byArm[a]);
  if (!all.length) return <p className="muted small">No evaluation yet.</p>;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const colour = (v: number) => {
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    return `hsl(${220 - 200 * t}, 70%, ${88 - 40 * t}%)`;
  };
  return (
    <div className="heatmaps" data-testid="heatmap" data-step={step}>
      {arms.map((arm) => {
        const v = byArm[arm];
        const g = Math.round(Math.sqrt(v.length));
        return (
          <figure key={arm}>
            <div className="heat" style={{ gridTemplateColumns: `repeat(${g}, 1fr)` }}>
              {v.map((x, i) => (
                <span
                  key={i}
                  style={{ background: colour(x) }}
                  title={`row ${Math.floor(i / g) + 1}, column ${(i % g) + 1}: ${x.toFixed(3)} nats`}
                />
              ))}
            </div>
            <figcaption className="small">
              {arm} · mean {(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)}
            </figcaption>
          </figure>
        );
      })}
      <p className="muted small">
        Step {step}. Colour from {lo.toFixed(2)} (blue) to {hi.toFixed(2)} nats (red), shared by all arms.
      </p>
    </div>
  );
}
