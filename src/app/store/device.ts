// Device slice: which backend runs, why the others were refused, the latest self-test figures, device-loss notices
// and the wake lock.
import type { StateCreator } from 'zustand';
import type { BackendChoice, MemoryLimit, SelfTestResult } from '../../worker/protocol';

export type DeviceStatus = 'starting' | 'ready' | 'error';

export interface DeviceSlice {
  device: {
    status: DeviceStatus;
    /** The raw ?backend= value the page was opened with (null: auto). */
    requested: string | null;
    choice: BackendChoice | null;
    initMs: number | null;
    /** What the backend can hold (null: unknown). */
    memory: MemoryLimit | null;
    error: string | null;
    selfTest: SelfTestResult | null;
    selfTestRunning: boolean;
    /** Set when the device was lost or the backend fell back mid-session: what happened and what the page did. */
    notice: string | null;
    /** Whether a screen wake lock is held (training). */
    wakeLock: boolean;
    /** Trained (loss-masked) tokens per second of training time last measured on this backend (the ETA before a run), and where it came from. */
    speed: { tokensPerSecond: number; source: string } | null;
    /** The backend the probe is timing now (null: no probe running). */
    probing: string | null;
  };
  deviceStarting: (requested: string | null) => void;
  deviceReady: (choice: BackendChoice, initMs: number, memory?: MemoryLimit | null) => void;
  deviceFailed: (message: string) => void;
  selfTestStarted: () => void;
  selfTestDone: (result: SelfTestResult | null, error?: string) => void;
  deviceNotice: (message: string | null) => void;
  setWakeLock: (held: boolean) => void;
  setSpeed: (speed: { tokensPerSecond: number; source: string } | null) => void;
  setProbing: (backend: string | null) => void;
}

export const createDeviceSlice: StateCreator<DeviceSlice, [], [], DeviceSlice> = (set) => ({
  device: {
    status: 'starting',
    requested: null,
    choice: null,
    initMs: null,
    memory: null,
    error: null,
    selfTest: null,
    selfTestRunning: false,
    notice: null,
    wakeLock: false,
    speed: null,
    probing: null,
  },
  deviceStarting: (requested) => set((s) => ({ device: { ...s.device, status: 'starting', requested, error: null } })),
  deviceReady: (choice, initMs, memory = null) =>
    set((s) => ({ device: { ...s.device, status: 'ready', choice, initMs, memory, error: null } })),
  deviceFailed: (message) =>
    set((s) => ({ device: { ...s.device, status: 'error', error: message, selfTestRunning: false } })),
  selfTestStarted: () => set((s) => ({ device: { ...s.device, selfTestRunning: true, error: null } })),
  selfTestDone: (result, error) =>
    set((s) => ({
      device: { ...s.device, selfTestRunning: false, selfTest: result ?? s.device.selfTest, error: error ?? null },
    })),
  deviceNotice: (notice) => set((s) => ({ device: { ...s.device, notice } })),
  setWakeLock: (wakeLock) => set((s) => ({ device: { ...s.device, wakeLock } })),
  setSpeed: (speed) => set((s) => ({ device: { ...s.device, speed } })),
  setProbing: (probing) => set((s) => ({ device: { ...s.device, probing } })),
});
