"""Speaker labels (``speaker_labels=true``): a speaker embedding per final turn, clustered online per session."""
