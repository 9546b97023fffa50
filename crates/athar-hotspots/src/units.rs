//! The units of analysis: H3 cells whose centres lie in a bounding box, or points given by
//! the caller (communities), and the counts of incidents per unit.
//!
//! H3 cells are enumerated by a breadth-first walk over neighbouring cells from the cell
//! at the centre of the box, through every cell whose centre lies in the box grown by two
//! and a half edge lengths; the cells whose centres lie in the box itself are the units,
//! the others form a margin that lets points near the edges be located quickly (they count
//! as outside the study area).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use h3o::{CellIndex, LatLng, Resolution};
use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::geometry::{BoundingBox, KM_PER_DEGREE, LonLat, check_area, unit_vector};
use crate::locator::{CellLocator, NOT_A_UNIT};

/// The coarsest H3 resolution supported (cells of about 250 km²).
pub const MIN_RESOLUTION: u8 = 5;
/// The finest H3 resolution supported (cells of about 0.1 km²).
pub const MAX_RESOLUTION: u8 = 9;
/// The most units a study area may have: an analysis holds a feature of a few hundred
/// bytes for each in its answer, and its weights, so its memory is bounded by this.
pub const MAX_UNITS: usize = 50_000;

/// The units of a hotspot analysis, in a fixed order: results, counts and weights refer to
/// units by their index in this order.
#[derive(Debug, Clone)]
pub struct Units {
    kind: Kind,
    centres: Vec<LonLat>,
    /// Unit vectors of the centres, for neighbour searches.
    pub(crate) vectors: Vec<[f64; 3]>,
}

#[derive(Debug, Clone)]
enum Kind {
    Cells {
        resolution: Resolution,
        bbox: BoundingBox,
        /// Sorted, so that `binary_search` finds a cell's unit.
        cells: Vec<CellIndex>,
        locator: Box<CellLocator>,
    },
    Given {
        ids: Vec<String>,
    },
}

/// The identity of a unit: an H3 cell or an id given by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitId<'a> {
    /// An H3 cell (displayed as its 15-digit hexadecimal index).
    Cell(CellIndex),
    /// An id given with [`Units::points`].
    Given(&'a str),
}

impl fmt::Display for UnitId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cell(cell) => write!(f, "{cell}"),
            Self::Given(id) => f.write_str(id),
        }
    }
}

impl Serialize for UnitId<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Incidents per unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    per_unit: Vec<u32>,
    outside: u64,
}

impl Counts {
    /// Counts given by the caller, one per unit in the order of `units` (for units made
    /// with [`Units::points`], whose incidents the caller assigns).
    ///
    /// # Errors
    /// [`Error::CountsMismatch`] if there is not one count per unit.
    pub fn new(units: &Units, per_unit: Vec<u32>) -> Result<Self> {
        if per_unit.len() != units.len() {
            return Err(Error::CountsMismatch {
                given: per_unit.len(),
                expected: units.len(),
                periods: 1,
            });
        }
        Ok(Self {
            per_unit,
            outside: 0,
        })
    }

    /// The count of each unit, in the order of the units.
    pub fn per_unit(&self) -> &[u32] {
        &self.per_unit
    }

    /// Points that fell in no unit (outside the study area, or not a valid position).
    pub fn outside(&self) -> u64 {
        self.outside
    }

    /// Points counted in units.
    pub fn total(&self) -> u64 {
        self.per_unit.iter().map(|&c| u64::from(c)).sum()
    }
}

impl Units {
    /// The H3 cells of `resolution` (5 to 9) whose centres lie inside `bbox`, including
    /// cells without incidents, ordered by cell index.
    ///
    /// # Errors
    /// [`Error::InvalidBoundingBox`] (see [`study_area`](crate::study_area)),
    /// [`Error::UnsupportedResolution`], [`Error::TooManyUnits`] (more than
    /// [`MAX_UNITS`]), [`Error::EmptyStudyArea`].
    pub fn h3(resolution: u8, bbox: BoundingBox) -> Result<Self> {
        check_area(&bbox)?;
        let h3_resolution = resolution_of(resolution)?;
        let too_many = |units: f64| Error::TooManyUnits {
            units: units as u64,
            limit: MAX_UNITS,
            resolution,
        };
        // Cells vary in area by a factor of two across the globe: refuse early only what
        // is clearly too large, and count exactly afterwards.
        let estimate = bbox.area_km2() / h3_resolution.area_km2();
        if estimate > 2.5 * MAX_UNITS as f64 {
            return Err(too_many(estimate));
        }

        let margin_lat = 2.5 * h3_resolution.edge_length_km() / KM_PER_DEGREE;
        let widest = (bbox.south.abs().max(bbox.north.abs()) + margin_lat).min(89.0);
        let margin_lon = (margin_lat / widest.to_radians().cos()).min(360.0);
        let grown = [
            bbox.west - margin_lon,
            (bbox.south - margin_lat).max(-90.0),
            bbox.east + margin_lon,
            (bbox.north + margin_lat).min(90.0),
        ];
        let in_grown = |p: LatLng| {
            p.lng() >= grown[0] && p.lng() <= grown[2] && p.lat() >= grown[1] && p.lat() <= grown[3]
        };

        let centre = LatLng::new(
            f64::midpoint(bbox.south, bbox.north),
            f64::midpoint(bbox.west, bbox.east),
        )
        .map_err(|_| Error::EmptyStudyArea { resolution })?;
        let start = centre.to_cell(h3_resolution);
        let mut seen = HashSet::from([start]);
        let mut queue = VecDeque::from([start]);
        let mut visited = Vec::new();
        while let Some(cell) = queue.pop_front() {
            visited.push(cell);
            if visited.len() > 4 * MAX_UNITS {
                return Err(too_many(visited.len() as f64));
            }
            for neighbour in cell.grid_disk::<Vec<_>>(1) {
                if seen.insert(neighbour) && in_grown(LatLng::from(neighbour)) {
                    queue.push_back(neighbour);
                }
            }
        }

        let mut cells: Vec<CellIndex> = visited
            .iter()
            .copied()
            .filter(|&cell| bbox.contains(lon_lat(LatLng::from(cell))))
            .collect();
        if cells.is_empty() {
            return Err(Error::EmptyStudyArea { resolution });
        }
        if cells.len() > MAX_UNITS {
            return Err(too_many(cells.len() as f64));
        }
        cells.sort_unstable();
        let located: Vec<(CellIndex, u32)> = visited
            .iter()
            .map(|&cell| {
                let unit = cells
                    .binary_search(&cell)
                    .map_or(NOT_A_UNIT, |index| index as u32);
                (cell, unit)
            })
            .collect();
        let locator = CellLocator::new(h3_resolution, &located, grown);
        let centres: Vec<LonLat> = cells.iter().map(|&c| lon_lat(LatLng::from(c))).collect();
        let vectors = centres.iter().map(|c| unit_vector(c.lon, c.lat)).collect();
        Ok(Self {
            kind: Kind::Cells {
                resolution: h3_resolution,
                bbox,
                cells,
                locator: Box::new(locator),
            },
            centres,
            vectors,
        })
    }

    /// Units given by the caller as `(id, longitude, latitude)`, for example communities;
    /// the caller assigns incidents to them and gives the counts with [`Counts::new`].
    ///
    /// # Errors
    /// [`Error::NoUnits`], [`Error::TooManyGivenUnits`], [`Error::InvalidUnitPosition`],
    /// [`Error::DuplicateUnitId`].
    pub fn points<S: Into<String>>(units: Vec<(S, f64, f64)>) -> Result<Self> {
        if units.is_empty() {
            return Err(Error::NoUnits);
        }
        if units.len() > MAX_UNITS {
            return Err(Error::TooManyGivenUnits {
                given: units.len(),
                limit: MAX_UNITS,
            });
        }
        let mut ids = Vec::with_capacity(units.len());
        let mut centres = Vec::with_capacity(units.len());
        for (index, (id, lon, lat)) in units.into_iter().enumerate() {
            let id = id.into();
            let centre = LonLat::new(lon, lat);
            if !centre.is_valid() {
                return Err(Error::InvalidUnitPosition {
                    index,
                    id,
                    lon,
                    lat,
                });
            }
            ids.push(id);
            centres.push(centre);
        }
        let mut first_seen = HashMap::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            if let Some(first) = first_seen.insert(id.as_str(), index) {
                return Err(Error::DuplicateUnitId {
                    id: id.clone(),
                    first,
                    second: index,
                });
            }
        }
        let vectors = centres.iter().map(|c| unit_vector(c.lon, c.lat)).collect();
        Ok(Self {
            kind: Kind::Given { ids },
            centres,
            vectors,
        })
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.centres.len()
    }

    /// Whether there are no units (never true of units built by this crate).
    pub fn is_empty(&self) -> bool {
        self.centres.is_empty()
    }

    /// The identity of unit `index`.
    ///
    /// # Panics
    /// If `index` is not less than [`len`](Self::len).
    pub fn id(&self, index: usize) -> UnitId<'_> {
        match &self.kind {
            Kind::Cells { cells, .. } => UnitId::Cell(cells[index]),
            Kind::Given { ids } => UnitId::Given(&ids[index]),
        }
    }

    /// The centre of unit `index` (a cell's centre, or the position given).
    ///
    /// # Panics
    /// If `index` is not less than [`len`](Self::len).
    pub fn centre(&self, index: usize) -> LonLat {
        self.centres[index]
    }

    /// The centres of all units, in order.
    pub fn centres(&self) -> &[LonLat] {
        &self.centres
    }

    /// The H3 resolution, for cell units.
    pub fn resolution(&self) -> Option<u8> {
        match &self.kind {
            Kind::Cells { resolution, .. } => Some(u8::from(*resolution)),
            Kind::Given { .. } => None,
        }
    }

    /// The bounding box the cells were chosen with, for cell units.
    pub fn bbox(&self) -> Option<BoundingBox> {
        match &self.kind {
            Kind::Cells { bbox, .. } => Some(*bbox),
            Kind::Given { .. } => None,
        }
    }

    /// The H3 cells, in the order of the units (sorted by index), for cell units.
    pub fn cells(&self) -> Option<&[CellIndex]> {
        match &self.kind {
            Kind::Cells { cells, .. } => Some(cells),
            Kind::Given { .. } => None,
        }
    }

    /// The index of the unit of an H3 cell, if it is one.
    pub fn index_of_cell(&self, cell: CellIndex) -> Option<usize> {
        match &self.kind {
            Kind::Cells { cells, .. } => cells.binary_search(&cell).ok(),
            Kind::Given { .. } => None,
        }
    }

    /// The boundary of a cell unit as a closed ring of longitude-latitude positions, the
    /// first position repeated at the end, counter-clockwise (exterior rings in GeoJSON,
    /// RFC 7946 § 3.1.6); `None` for units given as points.
    ///
    /// # Panics
    /// If `index` is not less than [`len`](Self::len).
    pub fn boundary(&self, index: usize) -> Option<Vec<LonLat>> {
        let Kind::Cells { cells, .. } = &self.kind else {
            return None;
        };
        let mut ring: Vec<LonLat> = cells[index]
            .boundary()
            .iter()
            .map(|&p| lon_lat(p))
            .collect();
        // Unwrap longitudes around the first vertex so that cells across the antimeridian
        // get the right orientation.
        let origin = ring[0].lon;
        let unwrapped = |lon: f64| {
            let d = lon - origin;
            if d > 180.0 {
                lon - 360.0
            } else if d < -180.0 {
                lon + 360.0
            } else {
                lon
            }
        };
        let twice_area: f64 = (0..ring.len())
            .map(|k| {
                let a = ring[k];
                let b = ring[(k + 1) % ring.len()];
                unwrapped(a.lon) * b.lat - unwrapped(b.lon) * a.lat
            })
            .sum();
        if twice_area < 0.0 {
            ring.reverse();
        }
        ring.push(ring[0]);
        Some(ring)
    }

    /// The unit a point falls in: for cell units, the cell containing it if that cell is
    /// a unit; always `None` for units given as points.
    pub fn unit_of(&self, position: LonLat) -> Option<usize> {
        let Kind::Cells { cells, locator, .. } = &self.kind else {
            return None;
        };
        locator
            .locate(position, |cell| {
                cells.binary_search(&cell).ok().map(|index| index as u32)
            })
            .map(|unit| unit as usize)
    }

    /// Counts points (longitude, latitude) per cell unit. Points outside every unit, or
    /// not valid positions, are counted in [`Counts::outside`].
    ///
    /// # Errors
    /// [`Error::PointsNeedCells`] for units given as points.
    pub fn count_points<I, P>(&self, points: I) -> Result<Counts>
    where
        I: IntoIterator<Item = P>,
        P: Into<LonLat>,
    {
        let mut per_unit = vec![0u32; self.len()];
        let mut outside = 0u64;
        let points = points.into_iter().map(|p| (p.into(), ()));
        self.for_each_unit_of(points, |unit, ()| match unit {
            Some(unit) => per_unit[unit] = per_unit[unit].saturating_add(1),
            None => outside += 1,
        })?;
        Ok(Counts { per_unit, outside })
    }

    /// Calls `found` with the unit of each point (and the point's payload).
    pub(crate) fn for_each_unit_of<T>(
        &self,
        points: impl IntoIterator<Item = (LonLat, T)>,
        mut found: impl FnMut(Option<usize>, T),
    ) -> Result<()> {
        let Kind::Cells { cells, locator, .. } = &self.kind else {
            return Err(Error::PointsNeedCells);
        };
        let unit_of_cell = |cell| cells.binary_search(&cell).ok().map(|index| index as u32);
        for (position, payload) in points {
            let unit = locator.locate(position, unit_of_cell);
            found(unit.map(|u| u as usize), payload);
        }
        Ok(())
    }
}

fn resolution_of(resolution: u8) -> Result<Resolution> {
    if !(MIN_RESOLUTION..=MAX_RESOLUTION).contains(&resolution) {
        return Err(Error::UnsupportedResolution { given: resolution });
    }
    Resolution::try_from(resolution).map_err(|_| Error::UnsupportedResolution { given: resolution })
}

fn lon_lat(position: LatLng) -> LonLat {
    LonLat::new(position.lng(), position.lat())
}
