// The one table of arm styles, shared by the page's charts and legends and report.html's SVG: the Okabe–Ito
// colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"), one colour per arm, each pre-trained arm in
// a warm colour and its from-scratch twin in a cool one, and a dash for the frozen-body arms so they differ by
// shape as well as colour (the frozen shuffled control is its unfrozen twin's yellow, dashed: Okabe–Ito has 8 colours). Okabe–Ito's black is drawn near-white on a dark background.
import type { ArmName } from './config';

export interface ArmStyle {
  /** Stroke colour on a light background (#rrggbb). */
  colour: string;
  /** Stroke colour on a dark background (#rrggbb). */
  dark: string;
  /** SVG stroke-dasharray ('' for a solid line). */
  dash: string;
  /** A plain colour name for sentences ("the orange line"). */
  name: string;
}

/** Dash of a frozen arm's line (user units: 7 on, 4 off). */
export const FROZEN_DASH = '7 4';

export const ARM_STYLES: Record<ArmName, ArmStyle> = {
  pretrained: { colour: '#D55E00', dark: '#D55E00', dash: '', name: 'orange' },
  scratch: { colour: '#0072B2', dark: '#56B4E9', dash: '', name: 'blue' },
  'pretrained-frozen': { colour: '#E69F00', dark: '#E69F00', dash: FROZEN_DASH, name: 'dashed yellow-orange' },
  'scratch-frozen': { colour: '#56B4E9', dark: '#0072B2', dash: FROZEN_DASH, name: 'dashed sky-blue' },
  'image-only-pretrained': { colour: '#CC79A7', dark: '#CC79A7', dash: '', name: 'pink' },
  'image-only-scratch': { colour: '#009E73', dark: '#009E73', dash: '', name: 'green' },
  'pretrained-mix': { colour: '#000000', dark: '#F0F0F0', dash: '', name: 'black' },
  // The weight-scale control: Okabe–Ito's eighth colour, yellow (pale on white: a line, never text).
  'pretrained-shuffled': { colour: '#F0E442', dark: '#F0E442', dash: '', name: 'yellow' },
  'pretrained-shuffled-frozen': { colour: '#F0E442', dark: '#F0E442', dash: FROZEN_DASH, name: 'dashed yellow' },
};

const UNKNOWN: ArmStyle = { colour: '#6B7280', dark: '#9CA3AF', dash: '', name: 'grey' };

/** The style of an arm by name; an arm this table does not know is grey and solid. */
export const armStyle = (arm: string): ArmStyle => (ARM_STYLES as Record<string, ArmStyle>)[arm] ?? UNKNOWN;
