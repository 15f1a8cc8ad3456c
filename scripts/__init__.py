"""Developer tools and the process manager, importable as `scripts.<tool>` (for example
`python -m scripts.servers up STATE.json` from the repository root)."""
