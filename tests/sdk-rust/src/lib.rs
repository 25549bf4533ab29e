//! Nothing to build: the test in tests/ is the point (see Cargo.toml).
