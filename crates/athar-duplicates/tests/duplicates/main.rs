//! The crate's integration tests: the rules one pair at a time (through `compare`), the
//! detector against a brute force, and a scenario of two sources reporting one month.

mod detector;
mod rules;
mod scenario;
mod support;
