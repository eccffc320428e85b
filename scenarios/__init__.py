"""What-if layer: simulated years of rounds, scenario files, batch runs on Dask."""
