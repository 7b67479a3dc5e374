// The canvas sends a stroke 200 ms after the pen lifts (a debounce fixed in its bundle). On
// pen release this clicks the canvas's own "Update the app with this drawing" button, which
// sends at once and cancels the wait. Were the button gone, the canvas sends as before.
(() => {
  if (window.digitpadSendOnRelease) return;
  window.digitpadSendOnRelease = true;
  const SEND = 'button[aria-label="Update the app with this drawing"]';
  let pressed = null;
  document.addEventListener('pointerdown', (event) => {
    pressed = event.composedPath().find((node) => node.tagName === 'CANVAS')
      && event.composedPath().find((node) => node.querySelector?.(SEND));
  }, true);
  document.addEventListener('pointerup', () => {
    const container = pressed;
    pressed = null;
    // After the canvas has handled the release and added the stroke.
    if (container) setTimeout(() => container.querySelector(SEND)?.click(), 0);
  }, true);
  document.addEventListener('pointercancel', () => { pressed = null; }, true);
})();
