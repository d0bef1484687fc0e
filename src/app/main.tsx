// Entry point of the single-page app: one Controller (and so one worker) for the page's lifetime, offline support
// (the service worker, production builds only), then React.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Controller } from './controller';
import { startOffline } from './offline';
import './styles.css';

const controller = new Controller(new URLSearchParams(window.location.search).get('backend'));
window.addEventListener('pagehide', () => controller.terminate());
void startOffline();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} />
  </StrictMode>,
);
