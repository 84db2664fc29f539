"""Participatory calls: phases, proposals, review, ballots, results, implementation."""
