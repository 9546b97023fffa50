//! Integration tests of athar-hotspots: agreement with PySAL, properties of Gi*, H3 units
//! and emerging hotspots.

mod emerging;
mod properties;
mod pysal;
mod support;
mod units;
