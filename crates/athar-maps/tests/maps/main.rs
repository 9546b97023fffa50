//! Integration tests of athar-maps: golden images, Arabic shaping, determinism, the three
//! outputs and input errors.

mod errors;
mod fixtures;
mod golden;
mod outputs;
mod shaping;
