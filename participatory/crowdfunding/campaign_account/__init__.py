"""The campaign account (compte de campagne): the mandataire's receipts and expenses, filing, the CNCCFP's
decision, and the published open data (aggregates only, never a private person's identity)."""
