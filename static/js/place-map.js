/* Proposal page: where the project would be, a marker in its constituency's outline (one small shape). */
"use strict";
(function () {
  const el = document.getElementById("place-map");
  if (!el) return;
  const map = PBMap.create(el);
  const point = [Number(el.dataset.lat), Number(el.dataset.lon)];
  map.setView(point, 14);
  L.circleMarker(point, { radius: 8, weight: 2, color: "#b3001b", fillColor: "#ff8c94", fillOpacity: 0.9 }).addTo(map);
  fetch(el.dataset.geojsonUrl).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((feature) => {
    L.geoJSON(feature, { style: () => PBMap.style, interactive: false }).addTo(map);
    el.dataset.ready = "yes";
  }).catch(() => { el.dataset.ready = "yes"; });
})();
