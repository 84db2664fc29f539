/* Constituency page: its shape alone on a small map (from the cached national GeoJSON). */
"use strict";
(function () {
  const el = document.getElementById("small-map");
  const map = PBMap.create(el);
  fetch(el.dataset.geojsonUrl).then((r) => r.json()).then((geojson) => {
    const feature = geojson.features.find((f) => f.properties.code === el.dataset.code);
    if (!feature) return;
    const layer = L.geoJSON(feature, { style: () => PBMap.highlight }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    el.dataset.ready = "yes";
  });
})();
