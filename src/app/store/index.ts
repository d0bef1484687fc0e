// The app store: zustand, assembled from slices (device now; config, runs and ui join as the product grows).
import { create } from 'zustand';
import { createDeviceSlice, type DeviceSlice } from './device';

export type AppState = DeviceSlice;

export const createAppStore = () => create<AppState>()((...a) => ({ ...createDeviceSlice(...a) }));

export const useAppStore = createAppStore();
