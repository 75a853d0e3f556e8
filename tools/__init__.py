"""Developer and CI tools: the offline engine, the offline preview (main job) and the audit command."""
