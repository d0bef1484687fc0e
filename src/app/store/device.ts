// Device slice: which backend runs, why the others were refused, and the latest self-test figures.
import type { StateCreator } from 'zustand';
import type { BackendChoice, SelfTestResult } from '../../worker/protocol';

export type DeviceStatus = 'starting' | 'ready' | 'error';

export interface DeviceSlice {
  device: {
    status: DeviceStatus;
    /** The raw ?backend= value the page was opened with (null: auto). */
    requested: string | null;
    choice: BackendChoice | null;
    initMs: number | null;
    error: string | null;
    selfTest: SelfTestResult | null;
    selfTestRunning: boolean;
  };
  deviceStarting: (requested: string | null) => void;
  deviceReady: (choice: BackendChoice, initMs: number) => void;
  deviceFailed: (message: string) => void;
  selfTestStarted: () => void;
  selfTestDone: (result: SelfTestResult | null, error?: string) => void;
}

export const createDeviceSlice: StateCreator<DeviceSlice, [], [], DeviceSlice> = (set) => ({
  device: { status: 'starting', requested: null, choice: null, initMs: null, error: null, selfTest: null, selfTestRunning: false },
  deviceStarting: (requested) => set((s) => ({ device: { ...s.device, status: 'starting', requested, error: null } })),
  deviceReady: (choice, initMs) => set((s) => ({ device: { ...s.device, status: 'ready', choice, initMs, error: null } })),
  deviceFailed: (message) => set((s) => ({ device: { ...s.device, status: 'error', error: message, selfTestRunning: false } })),
  selfTestStarted: () => set((s) => ({ device: { ...s.device, selfTestRunning: true, error: null } })),
  selfTestDone: (result, error) =>
    set((s) => ({ device: { ...s.device, selfTestRunning: false, selfTest: result ?? s.device.selfTest, error: error ?? null } })),
});
