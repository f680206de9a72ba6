"""RestMan's benchmarks: ``bench/throughput.py`` measures the server beside its bare peers."""
