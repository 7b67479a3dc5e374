// The canvas draws inside a shadow root, out of reach of the page's CSS. This shows its
// toolbar (undo, redo, the bin that clears) under the canvas without hover, which phones do
// not have, and scales a canvas wider than its column down to fit: the canvas maps the pen
// through its size on screen, so the ink still lands under the finger.
(() => {
  if (window.digitpadCanvasFit) return;
  window.digitpadCanvasFit = true;
  const STYLE = '.dc-toolbar{position:static;opacity:1;justify-content:flex-end;'
    + 'padding:.25rem 0 0}.dc-container{transform-origin:0 0}';
  const seen = new WeakSet();

  const fit = (root) => {
    const container = root.querySelector('.dc-container');
    const scroll = root.querySelector('.dc-scroll');
    if (!container || !scroll) return;
    const width = container.offsetWidth;
    const room = root.host.clientWidth || width;
    const scale = width > room ? room / width : 1;
    container.style.transform = scale < 1 ? `scale(${scale})` : '';
    scroll.style.width = scale < 1 ? `${width * scale}px` : '';
    scroll.style.height = scale < 1 ? `${container.offsetHeight * scale}px` : '';
    scroll.style.overflow = scale < 1 ? 'hidden' : '';
  };

  const adopt = (root) => {
    if (seen.has(root)) return;
    seen.add(root);
    if (!root.querySelector('.dc-container')) {  // the component has not drawn yet
      const waiting = new MutationObserver(() => {
        if (!root.querySelector('.dc-container')) return;
        waiting.disconnect();
        seen.delete(root);
        adopt(root);
      });
      waiting.observe(root, { childList: true, subtree: true });
      return;
    }
    const style = document.createElement('style');
    style.textContent = STYLE;
    root.appendChild(style);
    const observer = new ResizeObserver(() => fit(root));
    observer.observe(root.querySelector('.dc-container'));
    observer.observe(root.host);
  };

  let queued = false;
  const scan = () => {
    queued = false;
    for (const element of document.querySelectorAll('[class*="st-key-"] div')) {
      if (element.shadowRoot) adopt(element.shadowRoot);
    }
  };
  const queueScan = () => {
    if (!queued) { queued = true; requestAnimationFrame(scan); }
  };
  // A canvas's host can get its shadow root after the page's last change that a scan saw
  // (on a busy machine the toolbar then stayed hidden until the next change): hear that too.
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...options) {
    const root = attachShadow.apply(this, options);
    queueScan();
    return root;
  };
  new MutationObserver(queueScan).observe(document.body, { childList: true, subtree: true });
  scan();
})();
