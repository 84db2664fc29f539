/* Constituency page: its shape alone on a small map (its own GeoJSON, a few KB). */
"use strict";
(function () {
  const el = document.getElementById("small-map");
  const map = PBMap.create(el);
  fetch(el.dataset.geojsonUrl).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((feature) => {
    const layer = L.geoJSON(feature, { style: () => PBMap.highlight }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    el.dataset.ready = "yes";
  });
})();
