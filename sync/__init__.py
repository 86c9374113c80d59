"""zdsync orchestration: configuration, ports, the pull/decide/push cycle and the CLI."""
