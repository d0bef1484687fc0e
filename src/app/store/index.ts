// The app store: zustand, assembled from four slices — config, runs, device, ui.
import { create } from 'zustand';
import { createConfigSlice, type ConfigSlice } from './config';
import { createDeviceSlice, type DeviceSlice } from './device';
import { createRunsSlice, type RunsSlice } from './runs';
import { createUiSlice, type UiSlice } from './ui';

export type AppState = DeviceSlice & ConfigSlice & RunsSlice & UiSlice;

export const createAppStore = () =>
  create<AppState>()((...a) => ({
    ...createDeviceSlice(...a),
    ...createConfigSlice(...a),
    ...createRunsSlice(...a),
    ...createUiSlice(...a),
  }));

export const useAppStore = createAppStore();
