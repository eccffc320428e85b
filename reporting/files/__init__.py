"""Writing files: the atomic results folder, CSV neutralised against formula injection,
results.xlsx, manifest.json."""
