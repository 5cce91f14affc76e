"""Helpers shared by the test files (imported as ``helpers.*``; setup.cfg puts tests/ on the path)."""
