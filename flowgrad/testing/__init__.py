"""Testing utilities: the numerical gradient check and the registry-driven op test harness."""
