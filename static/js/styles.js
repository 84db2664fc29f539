/* Pages that paint from their inlined critical CSS (templates/base.html, `async_css`): the stylesheets,
   loaded as media="print" so they do not block the first paint, apply to the screen once loaded. */
"use strict";
document.querySelectorAll("link[data-async-css]").forEach((link) => {
  const apply = () => { link.media = "all"; };
  if (link.sheet) apply();
  else link.addEventListener("load", apply);
});
