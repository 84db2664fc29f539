/* Results page: the constituency and its projects, winners marked (data from /api/v1/calls/<code>/results). */
"use strict";
(function () {
  const el = document.getElementById("results-map");
  if (!el) return;
  const map = PBMap.create(el);
  map.setView([46.6, 2.4], 5.5);
  // The constituency's own shape (none abroad), not the national file.
  const shape = el.dataset.geojsonUrl ? fetch(el.dataset.geojsonUrl).then((r) => (r.ok ? r.json() : null)) : Promise.resolve(null);
  Promise.all([
    shape,
    fetch(el.dataset.resultsUrl, { headers: { Accept: "application/json" } }).then((r) => r.json()),
  ]).then(([feature, results]) => {
    let bounds = null;
    if (feature) {
      const outline = L.geoJSON(feature, { style: () => PBMap.style }).addTo(map);
      bounds = outline.getBounds();
    }
    results.projects.filter((p) => p.lat !== null && p.lon !== null).forEach((p) => {
      const marker = L.circleMarker([p.lat, p.lon], {
        radius: p.selected ? 9 : 6, weight: 2,
        color: p.selected ? "#b3001b" : "#495057", fillColor: p.selected ? "#ff8c94" : "#adb5bd", fillOpacity: 0.9,
      }).addTo(map);
      const status = p.selected ? el.dataset.labelWinner : el.dataset.labelOther;
      marker.bindTooltip(PBMap.label(p.title + " (" + status + ", " + p.votes + ")"));
    });
    results.projects.filter((p) => p.lat !== null && p.lon !== null).forEach((p) => {
      bounds = bounds ? bounds.extend([p.lat, p.lon]) : L.latLngBounds([p.lat, p.lon], [p.lat, p.lon]);
    });
    if (bounds) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 14 });
    el.dataset.ready = "yes";
  });
})();
