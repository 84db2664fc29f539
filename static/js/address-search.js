/* Address search beside a map (templates/constituencies/_address_search.html): the server's
   /api/v1/geocode asks the geocoder; each answer is a button that calls onChoose(address). */
"use strict";
window.PBAddressSearch = function (container, onChoose) {
  if (!container) return;
  const input = container.querySelector("input[type=search]");
  const button = container.querySelector("button");
  const status = container.querySelector("[role=status]");
  const list = container.querySelector("ul");
  let seq = 0;
  function show(results) {
    list.textContent = "";
    status.textContent = results.length ? "" : container.dataset.msgNone;
    results.forEach((address) => {
      const li = document.createElement("li");
      const choose = document.createElement("button");
      choose.type = "button";
      choose.className = "btn btn-link p-0 text-start";
      choose.textContent = address.label;
      choose.addEventListener("click", () => onChoose(address));
      li.append(choose);
      const where = document.createElement("span");
      where.className = "small text-body-secondary d-block";
      where.textContent = address.constituency ? address.constituency.name : container.dataset.msgOutside;
      li.append(where);
      list.append(li);
    });
  }
  function run() {
    const q = input.value.trim();
    if (q.length < 3) { list.textContent = ""; status.textContent = ""; return; }
    const mine = ++seq;
    fetch(container.dataset.geocodeUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((data) => { if (mine === seq) show(data.results); })
      .catch(() => { if (mine === seq) { list.textContent = ""; status.textContent = container.dataset.msgError; } });
  }
  button.addEventListener("click", run);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); run(); }  // Enter searches; it never submits the map's form
  });
};
