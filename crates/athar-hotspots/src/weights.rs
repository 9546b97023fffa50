//! Binary spatial weights: which units are neighbours of which, each unit included among
//! its own neighbours (the "star" in Gi*: w_ii = 1).
//!
//! Neighbour lists are held in one compressed array (CSR), sorted by unit index, and can
//! be built once per set of units and neighbourhood and reused for any counts (every
//! period of an emerging-hotspot analysis, every filter of the same map). Searches run on
//! an R-tree of the units' centres as unit vectors, comparing chord lengths, which order
//! pairs exactly as great-circle distances do.

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::geometry::{chord_to_km, km_to_chord_squared};
use crate::units::Units;

/// The longest neighbourhood distance accepted, in kilometres.
pub const MAX_DISTANCE_KM: f64 = 1000.0;
/// The most (unit, neighbour) pairs the weights may hold, self pairs included (80 MB).
pub const MAX_NEIGHBOUR_PAIRS: usize = 20_000_000;

type Centre = GeomWithData<[f64; 3], u32>;

/// How neighbours were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Neighbourhood {
    /// Units whose centres are at most `distance_km` apart (great-circle distance).
    DistanceBand {
        /// The distance used, kilometres.
        distance_km: f64,
        /// Whether the distance was chosen by default: the largest distance from a unit
        /// to its nearest neighbour, so that every unit has at least one neighbour.
        default: bool,
    },
    /// The `k` units with the nearest centres (ties broken in an unspecified but
    /// deterministic order).
    KNearest {
        /// Neighbours per unit, not counting the unit itself.
        k: usize,
    },
    /// Lists given by the caller.
    Given,
}

/// Binary weights, each unit its own neighbour.
#[derive(Debug, Clone)]
pub struct SpatialWeights {
    starts: Vec<usize>,
    neighbours: Vec<u32>,
    neighbourhood: Neighbourhood,
}

impl SpatialWeights {
    /// Neighbours within `distance_km` of each other (great-circle distance between
    /// centres, distance included). Without a distance, the largest nearest-neighbour
    /// distance is used, so that every unit has at least one neighbour besides itself
    /// (the default of ArcGIS and PySAL's `min_threshold_distance`); with a single unit,
    /// that distance is 0.
    ///
    /// # Errors
    /// [`Error::InvalidDistance`], [`Error::TooManyNeighbours`].
    pub fn distance_band(units: &Units, distance_km: Option<f64>) -> Result<Self> {
        let tree = tree(units);
        let (chord_squared, default) = match distance_km {
            Some(km) => {
                if !(km > 0.0 && km <= MAX_DISTANCE_KM) {
                    return Err(Error::InvalidDistance { given_km: km });
                }
                (km_to_chord_squared(km), false)
            }
            // The largest nearest-neighbour chord itself, not a round trip through
            // kilometres, so that the farthest pair stays inside the band.
            None => (largest_nearest_neighbour_chord(units, &tree), true),
        };
        let mut builder = Builder::new(units.len());
        let mut list = Vec::new();
        for (unit, &vector) in units.vectors.iter().enumerate() {
            list.clear();
            list.extend(
                tree.locate_within_distance(vector, chord_squared)
                    .map(|centre| centre.data),
            );
            // Duplicate positions and rounding cannot leave a unit out of its own list.
            if !list.contains(&(unit as u32)) {
                list.push(unit as u32);
            }
            builder.push(&mut list)?;
        }
        Ok(builder.finish(Neighbourhood::DistanceBand {
            distance_km: chord_to_km(chord_squared),
            default,
        }))
    }

    /// The `k` nearest neighbours of each unit, and the unit itself.
    ///
    /// # Errors
    /// [`Error::InvalidNeighbourCount`] unless 1 ≤ k < number of units;
    /// [`Error::TooManyNeighbours`].
    pub fn k_nearest(units: &Units, k: usize) -> Result<Self> {
        if k == 0 || k >= units.len() {
            return Err(Error::InvalidNeighbourCount {
                k,
                units: units.len(),
            });
        }
        if units.len().saturating_mul(k + 1) > MAX_NEIGHBOUR_PAIRS {
            return Err(Error::TooManyNeighbours {
                limit: MAX_NEIGHBOUR_PAIRS,
            });
        }
        let tree = tree(units);
        let mut builder = Builder::new(units.len());
        let mut list = Vec::with_capacity(k + 1);
        for (unit, vector) in units.vectors.iter().enumerate() {
            list.clear();
            list.push(unit as u32);
            list.extend(
                tree.nearest_neighbor_iter(vector)
                    .map(|centre| centre.data)
                    .filter(|&other| other != unit as u32)
                    .take(k),
            );
            builder.push(&mut list)?;
        }
        Ok(builder.finish(Neighbourhood::KNearest { k }))
    }

    /// Weights from neighbour lists given by the caller (unit indices, in the order of
    /// the units); each unit is added to its own list if missing, duplicates are removed.
    ///
    /// # Errors
    /// [`Error::InvalidNeighbour`] for an index outside the units;
    /// [`Error::TooManyNeighbours`].
    pub fn from_neighbour_lists(lists: &[Vec<usize>]) -> Result<Self> {
        let mut builder = Builder::new(lists.len());
        let mut list = Vec::new();
        for (unit, given) in lists.iter().enumerate() {
            list.clear();
            for &neighbour in given {
                if neighbour >= lists.len() {
                    return Err(Error::InvalidNeighbour {
                        unit,
                        neighbour,
                        units: lists.len(),
                    });
                }
                list.push(neighbour as u32);
            }
            if !list.contains(&(unit as u32)) {
                list.push(unit as u32);
            }
            builder.push(&mut list)?;
        }
        Ok(builder.finish(Neighbourhood::Given))
    }

    /// The memory the weights hold, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.starts.len() * std::mem::size_of::<usize>()
            + self.neighbours.len() * std::mem::size_of::<u32>()
    }

    /// The number of units.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether there are no units.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The neighbours of unit `index`, itself included, in increasing order.
    ///
    /// # Panics
    /// If `index` is not less than [`len`](Self::len).
    pub fn neighbours(&self, index: usize) -> &[u32] {
        &self.neighbours[self.starts[index]..self.starts[index + 1]]
    }

    /// How the neighbours were chosen.
    pub fn neighbourhood(&self) -> Neighbourhood {
        self.neighbourhood
    }

    /// The distance band in kilometres, for distance-band weights.
    pub fn distance_km(&self) -> Option<f64> {
        match self.neighbourhood {
            Neighbourhood::DistanceBand { distance_km, .. } => Some(distance_km),
            _ => None,
        }
    }

    /// The fewest and most neighbours of a unit, not counting itself.
    pub fn neighbour_count_range(&self) -> (usize, usize) {
        (0..self.len())
            .map(|i| self.neighbours(i).len() - 1)
            .fold((usize::MAX, 0), |(lo, hi), n| (lo.min(n), hi.max(n)))
    }

    /// Units with no neighbour but themselves.
    pub fn isolated_units(&self) -> usize {
        (0..self.len())
            .filter(|&i| self.neighbours(i).len() == 1)
            .count()
    }
}

struct Builder {
    starts: Vec<usize>,
    neighbours: Vec<u32>,
}

impl Builder {
    fn new(units: usize) -> Self {
        let mut starts = Vec::with_capacity(units + 1);
        starts.push(0);
        Self {
            starts,
            neighbours: Vec::new(),
        }
    }

    fn push(&mut self, list: &mut Vec<u32>) -> Result<()> {
        list.sort_unstable();
        list.dedup();
        if self.neighbours.len() + list.len() > MAX_NEIGHBOUR_PAIRS {
            return Err(Error::TooManyNeighbours {
                limit: MAX_NEIGHBOUR_PAIRS,
            });
        }
        self.neighbours.extend_from_slice(list);
        self.starts.push(self.neighbours.len());
        Ok(())
    }

    fn finish(self, neighbourhood: Neighbourhood) -> SpatialWeights {
        SpatialWeights {
            starts: self.starts,
            neighbours: self.neighbours,
            neighbourhood,
        }
    }
}

fn tree(units: &Units) -> RTree<Centre> {
    RTree::bulk_load(
        units
            .vectors
            .iter()
            .enumerate()
            .map(|(i, &v)| Centre::new(v, i as u32))
            .collect(),
    )
}

/// The largest squared chord from a unit to its nearest other unit (0 for one unit).
fn largest_nearest_neighbour_chord(units: &Units, tree: &RTree<Centre>) -> f64 {
    units
        .vectors
        .iter()
        .enumerate()
        .filter_map(|(unit, vector)| {
            tree.nearest_neighbor_iter_with_distance_2(vector)
                .find(|(centre, _)| centre.data != unit as u32)
                .map(|(_, chord_squared)| chord_squared)
        })
        .fold(0.0, f64::max)
}
