"""Analysis beside the simulation: what theory predicts, and what a run measured."""
