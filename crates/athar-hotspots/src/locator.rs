//! Fast assignment of points to the H3 cells of a study area.
//!
//! `LatLng::to_cell` costs about 0.75 µs per point here, which is most of the time of a
//! hotspot map of a million incidents. The locator answers the same question with a few
//! dot products: it keeps, for every cell of the study area (and a margin around it), the
//! planes of its six edges, and a coarse grid of longitude and latitude that lists the
//! cells near each grid square.
//!
//! Why this gives the same answer as `to_cell`: H3 draws its cells as hexagons with
//! straight edges in the gnomonic projection of one icosahedron face, and the gnomonic
//! projection maps straight lines to great circles. A hexagon that lies on a single face is
//! therefore the convex spherical polygon bounded by the great circles through consecutive
//! vertices of `CellIndex::boundary`, and a point on the inner side of all six planes is
//! in that cell. The locator accepts a cell only when the point is inside every edge plane
//! by more than [`INSIDE_MARGIN`] (about 6 mm), and hands everything else (points near an
//! edge, in pentagons, in cells that span two faces or have extra distortion vertices,
//! or outside the grid) to `to_cell`. The tests compare the two on millions of points.

use h3o::{CellIndex, LatLng, Resolution};

use crate::geometry::{KM_PER_DEGREE, LonLat, cross, dot, normalised, unit_vector};

/// Marks a cell of the margin, which is not a unit.
pub(crate) const NOT_A_UNIT: u32 = u32::MAX;
/// How far inside every edge plane a point must be (sine of the angle, about 6 mm on the
/// ground) for the locator to answer without `to_cell`.
const INSIDE_MARGIN: f64 = 1e-9;
/// The most grid squares kept (16 MB of offsets).
const MAX_GRID_SQUARES: f64 = 4_000_000.0;

/// One cell the locator can answer for.
#[derive(Debug, Clone)]
struct LocatorCell {
    /// The unit's index, or [`NOT_A_UNIT`].
    unit: u32,
    /// Unit normals of the planes through the edges, pointing inwards.
    edge_normals: [[f64; 3]; 6],
}

/// Points to units, with `to_cell` as the fallback.
#[derive(Debug, Clone)]
pub(crate) struct CellLocator {
    resolution: Resolution,
    west: f64,
    south: f64,
    square_lon: f64,
    square_lat: f64,
    columns: usize,
    rows: usize,
    /// Where each grid square's candidates start in `square_cells` (CSR, rows × columns + 1).
    square_starts: Vec<u32>,
    square_cells: Vec<u32>,
    cells: Vec<LocatorCell>,
}

impl CellLocator {
    /// A locator for `cells` (each with its unit index or [`NOT_A_UNIT`]), with a grid over
    /// `[west, south, east, north]`.
    pub(crate) fn new(
        resolution: Resolution,
        cells: &[(CellIndex, u32)],
        extent: [f64; 4],
    ) -> Self {
        let [west, south, east, north] = extent;
        let parallel_scale = f64::midpoint(south, north).to_radians().cos().max(0.01);
        let mut square_lat = resolution.edge_length_km() / KM_PER_DEGREE;
        let mut square_lon = square_lat / parallel_scale;
        let squares = ((east - west) / square_lon) * ((north - south) / square_lat);
        if squares > MAX_GRID_SQUARES {
            let grow = (squares / MAX_GRID_SQUARES).sqrt();
            square_lat *= grow;
            square_lon *= grow;
        }
        let columns = (((east - west) / square_lon).ceil() as usize).max(1);
        let rows = (((north - south) / square_lat).ceil() as usize).max(1);

        let mut located = Vec::with_capacity(cells.len());
        let mut spans = Vec::with_capacity(cells.len());
        for &(cell, unit) in cells {
            let Some((edge_normals, [min_lon, min_lat, max_lon, max_lat])) = convex_hexagon(cell)
            else {
                continue;
            };
            // Great-circle edges bulge a little beyond their vertices' latitudes; a tenth of
            // a square covers that many times over.
            let slack_lon = square_lon / 10.0;
            let slack_lat = square_lat / 10.0;
            let column = |lon: f64| ((lon - west) / square_lon).floor();
            let row = |lat: f64| ((lat - south) / square_lat).floor();
            let first_column = column(min_lon - slack_lon).max(0.0);
            let last_column = column(max_lon + slack_lon).min(columns as f64 - 1.0);
            let first_row = row(min_lat - slack_lat).max(0.0);
            let last_row = row(max_lat + slack_lat).min(rows as f64 - 1.0);
            if first_column > last_column || first_row > last_row {
                continue;
            }
            spans.push([
                first_column as usize,
                last_column as usize,
                first_row as usize,
                last_row as usize,
            ]);
            located.push(LocatorCell { unit, edge_normals });
        }

        let mut square_starts = vec![0u32; rows * columns + 1];
        for &[c0, c1, r0, r1] in &spans {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    square_starts[r * columns + c + 1] += 1;
                }
            }
        }
        for i in 1..square_starts.len() {
            square_starts[i] += square_starts[i - 1];
        }
        let mut fill = square_starts.clone();
        let mut square_cells = vec![0u32; square_starts[rows * columns] as usize];
        for (index, &[c0, c1, r0, r1]) in spans.iter().enumerate() {
            for r in r0..=r1 {
                for c in c0..=c1 {
                    let square = r * columns + c;
                    square_cells[fill[square] as usize] = index as u32;
                    fill[square] += 1;
                }
            }
        }
        Self {
            resolution,
            west,
            south,
            square_lon,
            square_lat,
            columns,
            rows,
            square_starts,
            square_cells,
            cells: located,
        }
    }

    /// The unit a point falls in, if any. `unit_of_cell` answers for the points the locator
    /// cannot decide by itself.
    pub(crate) fn locate(
        &self,
        position: LonLat,
        unit_of_cell: impl Fn(CellIndex) -> Option<u32>,
    ) -> Option<u32> {
        let column = ((position.lon - self.west) / self.square_lon).floor();
        let row = ((position.lat - self.south) / self.square_lat).floor();
        // Negated comparisons also send NaN to the fallback.
        if column >= 0.0 && row >= 0.0 && column < self.columns as f64 && row < self.rows as f64 {
            let square = row as usize * self.columns + column as usize;
            let candidates = &self.square_cells
                [self.square_starts[square] as usize..self.square_starts[square + 1] as usize];
            if !candidates.is_empty() {
                let point = unit_vector(position.lon, position.lat);
                for &candidate in candidates {
                    let cell = &self.cells[candidate as usize];
                    if cell
                        .edge_normals
                        .iter()
                        .all(|normal| dot(*normal, point) > INSIDE_MARGIN)
                    {
                        return (cell.unit != NOT_A_UNIT).then_some(cell.unit);
                    }
                }
            }
        }
        let cell = LatLng::new(position.lat, position.lon)
            .ok()?
            .to_cell(self.resolution);
        unit_of_cell(cell)
    }
}

/// The inward edge normals and the longitude-latitude box of a cell that is a hexagon on
/// one icosahedron face; `None` for pentagons, cells across faces and cells across the
/// antimeridian.
fn convex_hexagon(cell: CellIndex) -> Option<([[f64; 3]; 6], [f64; 4])> {
    if cell.is_pentagon() || cell.icosahedron_faces().len() != 1 {
        return None;
    }
    let boundary = cell.boundary();
    if boundary.len() != 6 {
        return None;
    }
    let centre = LatLng::from(cell);
    let centre = unit_vector(centre.lng(), centre.lat());
    let mut vertices = [[0.0; 3]; 6];
    let mut extent = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (vertex, position) in vertices.iter_mut().zip(boundary.iter()) {
        *vertex = unit_vector(position.lng(), position.lat());
        extent[0] = extent[0].min(position.lng());
        extent[1] = extent[1].min(position.lat());
        extent[2] = extent[2].max(position.lng());
        extent[3] = extent[3].max(position.lat());
    }
    if extent[2] - extent[0] > 180.0 {
        return None;
    }
    let mut normals = [[0.0; 3]; 6];
    for (k, normal) in normals.iter_mut().enumerate() {
        let n = normalised(cross(vertices[k], vertices[(k + 1) % 6]));
        *normal = if dot(n, centre) < 0.0 {
            [-n[0], -n[1], -n[2]]
        } else {
            n
        };
    }
    Some((normals, extent))
}
