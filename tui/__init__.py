"""pressmark's terminal side: the click CLI and the Textual app."""
