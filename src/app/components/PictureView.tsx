// A small RGBA picture from the worker, drawn on a canvas and scaled up with crisp pixels.
import { useEffect, useRef } from 'react';
import type { Picture } from '../../worker/protocol';

export function PictureView({ picture, scale = 2, title }: { picture: Picture; scale?: number; title?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(picture.rgba, picture.size, picture.size), 0, 0);
  }, [picture]);
  return (
    <canvas
      ref={ref}
      width={picture.size}
      height={picture.size}
      className="pic"
      style={{ width: picture.size * scale, height: picture.size * scale }}
      title={title}
      aria-label={title}
      role="img"
    />
  );
}
