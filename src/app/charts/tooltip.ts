// Tooltip settings every chart shares: inside the chart's box, and wrapping on a narrow screen (a phone).
export const TOOLTIP_PROPS = {
  allowEscapeViewBox: { x: false, y: false },
  wrapperStyle: { maxWidth: 'min(320px, 86vw)', zIndex: 4 },
  contentStyle: { whiteSpace: 'normal' as const, fontSize: 12 },
};
