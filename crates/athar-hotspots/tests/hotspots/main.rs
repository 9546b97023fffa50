//! Integration tests of athar-hotspots: properties of Gi*, H3 units and emerging hotspots.
//! (The agreement with PySAL is a third-party check, in the workspace's tests/tests/pysal.rs.)

mod emerging;
mod properties;
mod support;
mod units;
