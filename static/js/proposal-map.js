/* Proposal form: the constituency's outline; a click places the project and fills latitude/longitude. */
"use strict";
(function () {
  const el = document.getElementById("proposal-map");
  if (!el) return;
  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const map = PBMap.create(el);
  let marker = null;

  function place(latitude, longitude) {
    if (marker) marker.remove();
    marker = L.marker([latitude, longitude], { keyboard: false }).addTo(map);
  }
  fetch(el.dataset.geojsonUrl).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((feature) => {
    const layer = L.geoJSON(feature, { style: () => PBMap.style }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    // Clicks inside the shape land on the layer, not the map: handle both.
    layer.on("click", (e) => { L.DomEvent.stopPropagation(e); choose(e.latlng); });
    if (lat.value && lon.value) place(Number(lat.value), Number(lon.value));
    el.dataset.ready = "yes";
  });
  function choose(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    place(latlng.lat, latlng.lng);
  }
  map.on("click", (e) => choose(e.latlng));
  // An address: the project goes there (the server checks it lies in the constituency).
  PBAddressSearch(document.getElementById("proposal-address"), (address) => {
    choose(L.latLng(address.lat, address.lon));
    map.setView([address.lat, address.lon], 16);
  });
  [lat, lon].forEach((input) => input.addEventListener("change", () => {
    if (lat.value && lon.value) place(Number(lat.value), Number(lon.value));
  }));
})();
