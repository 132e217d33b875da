//! Handler unit tests live in the runtime's pipeline tests and in `macros/tests`.
