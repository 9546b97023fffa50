//! Query strings: the shared filters plus each endpoint's own parameters, every unknown
//! parameter and bad value a 400 that names it.

use actix_web::HttpRequest;
use athar_core::{CommunityResolver, FILTER_PARAMETERS, Filter, Vocabularies};

use crate::ApiError;

/// A parsed query string.
pub(crate) struct Query {
    pub(crate) filter: Filter,
    pub(crate) pairs: Vec<(String, String)>,
    own: Vec<(String, String)>,
}

impl Query {
    /// Parses the filters and the parameters in `own` (which the endpoint reads itself).
    pub(crate) fn parse(
        request: &HttpRequest,
        vocabularies: &Vocabularies,
        resolver: &dyn CommunityResolver,
        own: &[&str],
    ) -> Result<Self, ApiError> {
        let pairs =
            actix_web::web::Query::<Vec<(String, String)>>::from_query(request.query_string())
                .map(actix_web::web::Query::into_inner)
                .map_err(|error| ApiError::BadParameter {
                    parameter: "(query string)".into(),
                    message: format!("cannot be decoded: {error}"),
                })?;
        let mut filter = Filter::default();
        let mut own_values = Vec::new();
        for (name, value) in &pairs {
            if name == "release" {
                // Read by `AppState::view`: which snapshot the request reads.
                continue;
            }
            if own.contains(&name.as_str()) {
                own_values.push((name.clone(), value.clone()));
            } else if !filter.apply_parameter(name, value, vocabularies, resolver)? {
                let mut allowed: Vec<&str> = own.to_vec();
                allowed.extend(FILTER_PARAMETERS);
                allowed.push("release");
                return Err(ApiError::BadParameter {
                    parameter: name.clone(),
                    message: format!("unknown parameter (allowed: {})", allowed.join(", ")),
                });
            }
        }
        Ok(Self {
            filter,
            pairs,
            own: own_values,
        })
    }
}

impl athar_app::params::Parameters for Query {
    fn filter(&self) -> &Filter {
        &self.filter
    }

    /// An endpoint's own parameter, if given.
    fn get(&self, name: &str) -> Option<&str> {
        self.own
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
