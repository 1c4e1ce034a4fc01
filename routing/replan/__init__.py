"""Re-planning the rest of a day from a time: vehicles carry on from where they are, with new,
cancelled and locked orders (`route replan`, docs/replan.md). `run.replan` makes the re-plan,
`run.write_replan` its folder."""
