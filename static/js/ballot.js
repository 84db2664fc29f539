/* Ballot page: a live budget bar and count; the server re-checks every rule on submit. */
"use strict";
(function () {
  const form = document.getElementById("ballot-form");
  if (!form) return;
  const budget = Number(form.dataset.budget);
  const min = Number(form.dataset.min);
  const max = form.dataset.max ? Number(form.dataset.max) : null;
  const knapsack = form.dataset.knapsack === "yes";
  const boxes = Array.from(form.querySelectorAll("input[name=projects]"));
  const progress = document.getElementById("budget-progress");
  const used = document.getElementById("budget-used");
  const count = document.getElementById("chosen-count");
  const status = document.getElementById("ballot-status");
  const bar = progress.closest(".budget-bar");
  const money = new Intl.NumberFormat(form.dataset.locale === "en" ? "en-GB" : "fr-FR", { style: "currency", currency: "EUR" });

  function update() {
    const chosen = boxes.filter((b) => b.checked);
    const total = chosen.reduce((sum, b) => sum + Number(b.dataset.cost), 0);
    progress.value = Math.min(total, budget);
    used.textContent = money.format(total / 100);
    count.textContent = String(chosen.length);
    const over = knapsack && total > budget;
    bar.classList.toggle("over", over);
    let message = form.dataset.msgOk;
    if (over) message = form.dataset.msgOver;
    else if (max !== null && chosen.length > max) message = form.dataset.msgTooMany;
    else if (chosen.length < min) message = PBCount(form, "msgTooFew", min - chosen.length);
    status.textContent = message;
    status.classList.toggle("text-danger", message !== form.dataset.msgOk);
    // Projects that no longer fit are flagged, not disabled: the voter may swap choices freely.
    boxes.forEach((b) => {
      const fits = !knapsack || b.checked || total + Number(b.dataset.cost) <= budget;
      b.closest(".ballot-project").classList.toggle("opacity-50", !fits);
    });
  }
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
})();
