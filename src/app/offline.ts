// Offline use and cross-origin isolation on any static host, from the page's side: registers the service worker
// (sw.js; production builds only, so `npm start` and HMR never meet one), asks it to keep the whole site once the
// page is up, and records what it reports on <html data-offline> (the footer says it). Where the host sent no
// COOP/COEP, the first load is not cross-origin isolated; once the worker controls the page, one reload makes it so
// (what coi-serviceworker does). `?sw=0` unregisters it; browser tests run without it unless the URL has `?sw=1`.
// docs/teachers.md has the hosting side.
import { useAppStore } from './store';

export type OfflineChoice = 'register' | 'unregister' | 'skip';

/**
 * Whether to register the service worker: never in a dev build; `sw=0` in the query unregisters, `sw=1` registers;
 * otherwise register, except under automation (navigator.webdriver: the browser tests, which route requests a
 * service worker would answer first).
 */
export function offlineChoice(search: string, prod: boolean, webdriver: boolean): OfflineChoice {
  if (!prod) return 'skip';
  const sw = new URLSearchParams(search).get('sw');
  if (sw === '0') return 'unregister';
  if (sw === '1') return 'register';
  return webdriver ? 'skip' : 'register';
}

const RELOADED = 'tabula-rasa-isolation-reload';

/** A run is being prepared or trained, or was restored: a reload now would interrupt it. */
const busy = () => {
  const { run } = useAppStore.getState();
  return run.restored || run.intent !== null || Boolean(run.status && run.status.phase !== 'idle');
};

/** Starts offline support for this page (see the module comment); failures are logged, never thrown. */
export async function startOffline(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const choice = offlineChoice(window.location.search, import.meta.env.PROD, navigator.webdriver);
  if (choice === 'skip') return;
  const base = import.meta.env.BASE_URL;
  try {
    if (choice === 'unregister') {
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
      document.documentElement.dataset.offline = 'off';
      return;
    }
    navigator.serviceWorker.addEventListener(
      'message',
      (e: MessageEvent<{ type?: string; kept?: number; total?: number }>) => {
        if (e.data?.type !== 'offline') return;
        document.documentElement.dataset.offline = e.data.kept === e.data.total ? 'ready' : 'partial';
        document.documentElement.dataset.offlineFiles = `${e.data.kept}/${e.data.total}`;
        window.dispatchEvent(new CustomEvent('tabula-rasa-offline'));
      },
    );
    await navigator.serviceWorker.register(`${base}sw.js`, { scope: base });
    const reg = await navigator.serviceWorker.ready;
    if (!window.crossOriginIsolated && window.isSecureContext) {
      // The host sent no isolation headers: reload once under the worker, which adds them — unless a run has started
      // meanwhile (a slow first load): then the next visit is isolated instead.
      if (!sessionStorage.getItem(RELOADED) && !busy()) {
        sessionStorage.setItem(RELOADED, '1');
        window.location.reload();
        return;
      }
    } else sessionStorage.removeItem(RELOADED);
    reg.active?.postMessage({ type: 'fill' });
  } catch (e) {
    console.info(`offline use is not available here: ${(e as Error).message}`);
  }
}
