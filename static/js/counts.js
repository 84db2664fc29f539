/* A count in a sentence, as the server writes it: the plural form the page's language picks for n
   (Intl.PluralRules: "0 circonscription" in French, "0 constituencies" in English), with n formatted
   for that language. The template gives both forms, from ngettext, as data-<name>-one and -other. */
"use strict";
window.PBCount = function (element, name, n) {
  const lang = document.documentElement.lang || "fr";
  const form = new Intl.PluralRules(lang).select(n) === "one" ? "One" : "Other";
  return element.dataset[name + form].replace("{n}", n.toLocaleString(lang));
};
