import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app')!;
render(<App />, root);
// The test reads this mark to measure navigation start → app interactive.
performance.mark('dashboard-interactive');
