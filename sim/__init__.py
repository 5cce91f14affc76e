"""Hypothetical patients stepped through the pathways: scripted scenarios, teaching mode, cohorts.

The command line lives in ``sim.cli``; the engines and their inputs in the other modules.
For teaching only: never advice for a real patient.
"""
