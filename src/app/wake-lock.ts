/**
 * The screen wake lock held while a run prepares or trains, so a laptop or phone does not sleep mid-run. The app
 * store's `wakeLock` flag says whether it is held (the browser may release it, e.g. when the tab is hidden); a
 * browser without the Wake Lock API is left alone.
 */
import { useAppStore } from './store';

const store = () => useAppStore.getState();

export class ScreenWakeLock {
  private lock: WakeLockSentinel | null = null;

  /** Ask for the lock when `want` and none is held; release the one held when not. */
  hold(want: boolean): void {
    const wl = (navigator as Navigator & { wakeLock?: WakeLock }).wakeLock;
    if (!wl) return;
    if (want && !this.lock) {
      wl.request('screen').then(
        (lock) => {
          this.lock = lock;
          store().setWakeLock(true);
          lock.addEventListener('release', () => {
            this.lock = null;
            store().setWakeLock(false);
          });
        },
        () => store().setWakeLock(false),
      );
    } else if (!want && this.lock) {
      void this.lock.release();
      this.lock = null;
    }
  }
}
