"""What every layer of the engine leans on: its errors, atomic file writes, free-memory checks and
type tests for values read back from files. Imports nothing else of the workbench."""
