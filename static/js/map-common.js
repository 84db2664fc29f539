/* Shared map helpers: a Leaflet map with optional tiles, and the constituency style. */
"use strict";
window.PBMap = (function () {
  function create(element) {
    const map = L.map(element, { zoomSnap: 0.25, preferCanvas: true });
    const tiles = element.dataset.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    return map;
  }
  const style = { color: "#1f3a93", weight: 1, fillColor: "#6f8fd8", fillOpacity: 0.35 };
  const highlight = { color: "#b3001b", weight: 3, fillColor: "#ff8c94", fillOpacity: 0.55 };
  // Accent- and case-insensitive text for the list searches that stand in for the map.
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  // Map labels are text: names and titles come from data (a proposal title is anyone's input),
  // and Leaflet inserts a string tooltip or popup as HTML. A text node never becomes markup.
  function label(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span;
  }
  return { create: create, style: style, highlight: highlight, fold: fold, label: label };
})();
