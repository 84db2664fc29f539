"""Tests of the tally engine (participatory.tally)."""
