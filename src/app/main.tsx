// Entry point of the single-page app: one Controller (and so one worker) for the page's lifetime, offline support
// (the service worker, production builds only), then React.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { TeacherView } from './class/TeacherView';
import { Controller } from './controller';
import { startOffline } from './offline';
import './styles.css';

// `?teacher`: the teacher view pools the class's result cards (docs/class.md); it trains nothing, so no worker.
const teacher = new URLSearchParams(window.location.search).has('teacher');
const controller = teacher ? null : new Controller(new URLSearchParams(window.location.search).get('backend'));
if (controller) window.addEventListener('pagehide', () => controller.terminate());
void startOffline();

createRoot(document.getElementById('root')!).render(
  <StrictMode>{controller ? <App controller={controller} /> : <TeacherView />}</StrictMode>,
);
