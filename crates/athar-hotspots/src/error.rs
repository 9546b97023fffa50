//! Typed errors of hotspot analysis. Every message says what was wrong and what would be
//! right, so that a server can pass it on to the client as it is.

/// Why an analysis could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An H3 resolution outside 5 to 9.
    #[error(
        "H3 resolution {given} is not supported: use a resolution from {min} (cells of about \
         250 km²) to {max} (about 0.1 km²)",
        min = crate::MIN_RESOLUTION,
        max = crate::MAX_RESOLUTION
    )]
    UnsupportedResolution {
        /// The resolution given.
        given: u8,
    },
    /// A bounding box that is not finite, outside the globe, empty or crossing the
    /// antimeridian.
    #[error(
        "the bounding box west={west}, south={south}, east={east}, north={north} is invalid: \
         {reason}"
    )]
    InvalidBoundingBox {
        /// West edge given, degrees.
        west: f64,
        /// South edge given, degrees.
        south: f64,
        /// East edge given, degrees.
        east: f64,
        /// North edge given, degrees.
        north: f64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A study area with more units than [`MAX_UNITS`](crate::MAX_UNITS).
    #[error(
        "the bounding box holds about {units} H3 cells at resolution {resolution}, more than \
         the limit of {limit}: use a coarser resolution or a smaller bounding box"
    )]
    TooManyUnits {
        /// The number of units found or estimated.
        units: u64,
        /// The limit.
        limit: usize,
        /// The resolution asked for.
        resolution: u8,
    },
    /// No H3 cell has its centre inside the bounding box.
    #[error(
        "no H3 cell of resolution {resolution} has its centre inside the bounding box: use a \
         larger bounding box or a finer resolution"
    )]
    EmptyStudyArea {
        /// The resolution asked for.
        resolution: u8,
    },
    /// An empty list of units.
    #[error("no units were given: give at least one unit (id, longitude, latitude)")]
    NoUnits,
    /// More given units than [`MAX_UNITS`](crate::MAX_UNITS).
    #[error("{given} units were given, more than the limit of {limit}")]
    TooManyGivenUnits {
        /// The number of units given.
        given: usize,
        /// The limit.
        limit: usize,
    },
    /// A unit whose position is not a longitude and latitude.
    #[error(
        "unit {index} ('{id}') is at longitude {lon}, latitude {lat}: a longitude must be \
         from -180 to 180 and a latitude from -90 to 90"
    )]
    InvalidUnitPosition {
        /// Position of the unit in the list given (from 0).
        index: usize,
        /// Its id.
        id: String,
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// Two units with the same id.
    #[error("unit id '{id}' is given twice (units {first} and {second}, counting from 0)")]
    DuplicateUnitId {
        /// The id.
        id: String,
        /// Position of its first occurrence.
        first: usize,
        /// Position of its second occurrence.
        second: usize,
    },
    /// Points given to units that are not H3 cells.
    #[error(
        "points can be assigned only to H3 cell units: for units given by the caller, give \
         one count per unit instead"
    )]
    PointsNeedCells,
    /// A number of counts that differs from the number of units (times periods).
    #[error(
        "{given} counts were given for {expected} (one per unit{per_period}, in the order of \
         the units)",
        per_period = if *.periods > 1 { " and period" } else { "" }
    )]
    CountsMismatch {
        /// The number of counts given.
        given: usize,
        /// The number expected.
        expected: usize,
        /// The number of periods (1 for a single map).
        periods: usize,
    },
    /// Weights and counts built for different units.
    #[error(
        "the spatial weights are for {weights} units but the counts are for {counts}: build \
         both from the same units"
    )]
    WeightsMismatch {
        /// Units of the weights.
        weights: usize,
        /// Units of the counts.
        counts: usize,
    },
    /// A neighbourhood distance that is not a positive number of kilometres.
    #[error(
        "distance {given_km} km is invalid: give a distance greater than 0 and at most {max} km",
        max = crate::MAX_DISTANCE_KM
    )]
    InvalidDistance {
        /// The distance given, kilometres.
        given_km: f64,
    },
    /// A number of nearest neighbours that is 0 or not less than the number of units.
    #[error(
        "{k} nearest neighbours cannot be used with {units} units: k must be at least 1 and \
         less than the number of units"
    )]
    InvalidNeighbourCount {
        /// The k given.
        k: usize,
        /// The number of units.
        units: usize,
    },
    /// A neighbour index outside the units, in neighbour lists given by the caller.
    #[error("unit {unit} has neighbour {neighbour}, but there are only {units} units")]
    InvalidNeighbour {
        /// The unit whose list is wrong.
        unit: usize,
        /// The neighbour given.
        neighbour: usize,
        /// The number of units.
        units: usize,
    },
    /// Neighbour lists too large to hold.
    #[error(
        "the neighbour lists would hold more than {limit} pairs: use a shorter distance, \
         fewer neighbours, a coarser resolution or a smaller area"
    )]
    TooManyNeighbours {
        /// The limit.
        limit: usize,
    },
    /// A number of periods outside the range allowed.
    #[error(
        "{given} periods were asked for: give from {min} to {max} periods",
        min = crate::MIN_PERIODS,
        max = crate::MAX_PERIODS
    )]
    InvalidPeriodCount {
        /// The number given.
        given: usize,
    },
    /// Periods that would start before the calendar chrono supports.
    #[error("{periods} periods ending at {last} would start before the supported calendar")]
    PeriodsOutOfRange {
        /// The number of periods.
        periods: usize,
        /// The last date given.
        last: chrono::NaiveDate,
    },
}

/// The result of fallible operations of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
