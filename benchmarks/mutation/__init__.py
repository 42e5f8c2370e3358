"""Mutation testing of the pure core (run on demand: ``scripts/mutation.sh``; docs/testing.md)."""
