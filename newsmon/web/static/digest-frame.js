// The digest frame takes its content's height, so the page scrolls as one and the digest is not
// boxed in a fixed height (CSS keeps 75vh where scripts are off). The frame is same-origin and runs
// no script of its own (sandbox without allow-scripts; its CSP forbids scripts).
(function () {
  function fit(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.documentElement || !doc.body) return;
    frame.style.height = "1px";
    var border = frame.offsetHeight - frame.clientHeight;
    frame.style.height = doc.documentElement.scrollHeight + border + "px";
    frame.classList.add("fitted");
  }
  document.querySelectorAll("iframe.digest").forEach(function (frame) {
    frame.addEventListener("load", function () {
      fit(frame);
      frame.contentDocument.querySelectorAll("img").forEach(function (img) {
        img.addEventListener("load", function () { fit(frame); });
      });
    });
    window.addEventListener("resize", function () { fit(frame); });
    fit(frame);
  });
})();
