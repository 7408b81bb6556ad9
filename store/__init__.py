"""pressmark's headless core: files, segmentation, SQLite, export. Never imports textual."""
