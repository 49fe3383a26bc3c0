// Initialise Det Fælles Designsystem's components (kept out of inline script for the CSP).
if (window.DKFDS) { window.DKFDS.init(); }
