import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app')!;
// The boot placeholder is plain HTML Preact did not render: render() would keep it above the app, so it goes first.
root.replaceChildren();
render(<App />, root);
// The test reads this mark to measure navigation start → app interactive.
performance.mark('dashboard-interactive');
