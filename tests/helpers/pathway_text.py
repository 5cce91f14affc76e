"""A small valid pathway as YAML text, which tests mutate to provoke each problem."""

SMALL_PATHWAY = """\
id: demo
name: Demo sarcoma
initial: workup
monitoring:
  imaging_interval_months: {min: 2, max: 3}
  sources: [source-guideline]
sources:
  - id: source-guideline
    citation: Source guideline
  - id: trial-x
    citation: Trial X, J Demo 2020;1:1
    beyond_source: true
attributes:
  marker:
    of: patient
    values: [positive, negative]
  extent:
    of: event
    values: [limited, widespread]
states:
  workup:
    kind: workup
    label: Workup
  drug_a:
    kind: therapy
    label: Drug A
    regimen: {drugs: [druga], dose: 100 mg daily, line: 1}
    sources: [source-guideline]
  drug_b:
    kind: therapy
    label: Drug B
    regimen: {drugs: [drugb], dose: 50 mg daily, line: 2}
    sources: [trial-x]
    beyond_source: true
  end:
    kind: terminal
    label: End
transitions:
  - {event: start, from: workup, to: drug_a, when: {marker: positive}, sources: [source-guideline]}
  - {event: start, from: workup, to: end}
  - {event: progression, from: drug_a, to: drug_b, when: {extent: widespread}, sources: [trial-x], beyond_source: true}
  - {event: progression, from: drug_a, to: end}
  - {event: progression, from: drug_b, to: end}
"""
