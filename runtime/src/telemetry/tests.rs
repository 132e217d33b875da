//! Unit tests of the telemetry modules.
