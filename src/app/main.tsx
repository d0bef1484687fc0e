// Entry point of the single-page app: one Controller (and so one worker) for the page's lifetime, then React.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Controller } from './controller';
import './styles.css';

const controller = new Controller(new URLSearchParams(window.location.search).get('backend'));
window.addEventListener('pagehide', () => controller.terminate());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App controller={controller} />
  </StrictMode>,
);
