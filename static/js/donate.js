// Donation pages: pay with Stripe.js (Card Element + confirmCardPayment), then follow the
// donation's status until the webhook has recorded it. Configuration comes from data- attributes.
(function () {
  "use strict";

  function showError(box, message) {
    box.textContent = message;
    box.classList.remove("d-none");
  }

  function setUpPayment(form) {
    const errors = document.getElementById("card-errors");
    const button = document.getElementById("pay-button");
    if (typeof Stripe === "undefined") {
      showError(errors, form.dataset.errorGeneric);
      button.disabled = true;
      return;
    }
    const stripe = Stripe(form.dataset.publishableKey);
    const card = stripe.elements().create("card", { hidePostalCode: true });
    card.mount("#card-element");
    card.on("change", function (event) {
      if (event && event.error) { showError(errors, event.error.message); } else { errors.classList.add("d-none"); }
    });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.classList.add("d-none");
      const result = await stripe.confirmCardPayment(form.dataset.clientSecret, { payment_method: { card: card } });
      if (result.error) {
        showError(errors, result.error.message || form.dataset.errorGeneric);
        button.disabled = false;
        return;
      }
      window.location.assign(form.dataset.returnUrl);
    });
  }

  function followStatus(box) {
    if (box.dataset.status !== "pending") { return; }
    let tries = 0;
    const timer = window.setInterval(async function () {
      tries += 1;
      try {
        const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
        const body = await response.json();
        if (body.status !== "pending") { window.clearInterval(timer); window.location.reload(); }
      } catch (err) { /* network hiccup: try again at the next tick */ }
      if (tries > 120) { window.clearInterval(timer); }
    }, 1000);
  }

  const form = document.getElementById("payment-form");
  if (form) { setUpPayment(form); }
  const status = document.getElementById("donation-status");
  if (status) { followStatus(status); }
})();
