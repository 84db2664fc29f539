/* The list of a call's proposals on a map: the listed proposals that have a place (markers given in data-markers). */
"use strict";
(function () {
  const el = document.getElementById("proposals-map");
  if (!el) return;
  const markers = JSON.parse(el.dataset.markers || "[]");
  const map = PBMap.create(el);
  map.setView([46.6, 2.4], 5.5);
  const points = [];
  markers.forEach((p) => {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: 8, weight: 2, color: "#1f3a93", fillColor: "#6f8fd8", fillOpacity: 0.9,
    }).addTo(map);
    marker.bindTooltip(PBMap.label(p.title));
    marker.on("click", () => { window.location.href = p.url; });
    points.push([p.lat, p.lon]);
  });
  if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 15 });
  el.dataset.shown = String(points.length);
  el.dataset.ready = "yes";
})();
