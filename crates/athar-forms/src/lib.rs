//! Field forms for recording one incident on a phone, and what they send back.
//!
//! - [`xlsform`] writes the form as an XLSForm (the spreadsheet KoboToolbox and ODK
//!   convert with pyxform): every incident field with Arabic and English labels, the
//!   vocabularies as choice lists (each choice offered only for the kinds its field applies
//!   to), the communities of the gazetteer by governorate, a geopoint, and constraints that
//!   mirror Athar's validation. Its questions are named by the incident fields.
//! - [`submission`] reads a submission of that form, as KoboToolbox's REST service posts
//!   it or as ODK Central's OData feed lists it, into the incident fields Athar imports.
#![deny(missing_docs)]

mod submission;
mod xlsform;

pub use submission::{Submission, SubmissionError, submission};
pub use xlsform::{FORM_ID, FormError, FormPlace, xlsform};
