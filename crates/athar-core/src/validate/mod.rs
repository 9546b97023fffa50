//! From raw field values to a valid [`IncidentRecord`](crate::IncidentRecord).
//!
//! Readers of every format fill an [`IncidentDraft`] with the text of each field, then call
//! [`IncidentDraft::validate`], which checks every rule of the domain and returns either the
//! record or every [`FieldError`](crate::FieldError) at once, so that a person fixing a
//! spreadsheet sees all that is wrong with a row in one pass.
//!
//! [`field`] names the fields, [`draft`] holds their texts, [`context`] is what validation
//! needs besides the row, and [`rules`] checks them.

mod context;
mod draft;
mod field;
mod rules;
#[cfg(test)]
mod tests;

pub use context::{CommunityResolver, NameContext, ResolvedCommunity, ValidationContext};
pub use draft::{FieldChange, IncidentDraft};
pub use field::FIELDS;
