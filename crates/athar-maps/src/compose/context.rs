//! The context layers: the land, governorate boundaries and the country outline.

use std::fmt::Write as _;

use crate::projection::Projection;
use crate::spec::{MapSpec, Polygon};
use crate::text::number;

/// Appends the path data of polygons, dropping vertices closer than a third of a pixel
/// to the previous one and rings left with fewer than three.
fn push_polygon_path<'a>(
    out: &mut String,
    polygons: impl IntoIterator<Item = &'a Polygon>,
    projection: &Projection,
) {
    for polygon in polygons {
        for ring in &polygon.rings {
            let start = out.len();
            let mut last: Option<[f64; 2]> = None;
            let mut kept = 0;
            for position in ring {
                let [x, y] = projection.project(*position);
                if let Some([last_x, last_y]) = last
                    && (x - last_x).abs() < 0.33
                    && (y - last_y).abs() < 0.33
                {
                    continue;
                }
                out.push_str(if kept == 0 { "M" } else { " " });
                let _ = write!(out, "{} {}", number(x), number(y));
                last = Some([x, y]);
                kept += 1;
            }
            if kept < 3 {
                out.truncate(start);
            } else {
                out.push('Z');
            }
        }
    }
}

pub(super) fn write_context(svg: &mut String, spec: &MapSpec, projection: &Projection) {
    let style = &spec.style;
    let mut country = String::new();
    push_polygon_path(&mut country, &spec.country, projection);
    if !country.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{country}" fill="{}" fill-rule="evenodd"/>"#,
            style.land
        );
    }
    let mut governorates = String::new();
    push_polygon_path(
        &mut governorates,
        spec.governorates
            .iter()
            .flat_map(|governorate| &governorate.polygons),
        projection,
    );
    if !governorates.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{governorates}" fill="none" stroke="{}" stroke-width="0.8" stroke-dasharray="3 2" stroke-linejoin="round"/>"#,
            style.boundary
        );
    }
    if !country.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{country}" fill="none" stroke="{}" stroke-width="1.6" stroke-linejoin="round"/>"#,
            style.boundary
        );
    }
}
