"""Reading and checking input: territory folders (tables in CSV / XLSX / ODS / Parquet, exports
of Imhoweb / SNE), policy.toml, the contract's column specs, validation into the domain
objects, and the results folders' markers and hashes."""
