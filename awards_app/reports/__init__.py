"""Audit reports for the board: what happened in a cycle and the proof that
nothing was changed afterwards."""
