//! The vector tile encoders Athar uses, checked against the valid fixtures of the
//! specification's test suite (`@mapbox/mvt-fixtures`, installed by `scripts/setup-web`):
//! the `fast-mvt` crate, called as the tile routes call it, on every valid fixture made of
//! points and lines; the incidents layer's own encoder (`athar_tiles::layer`) on every one
//! made of single points with the value types it writes. Each fixture, decoded with
//! mvt-reader, is encoded again and must decode to the same layers, geometries and
//! property values (and ids, for `fast-mvt`).

use std::path::PathBuf;

use fast_mvt::{MvtCoord, MvtGeomType, MvtTileBuilder, MvtValueRef};
use mvt_reader::feature::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../web/node_modules/@mapbox/mvt-fixtures/fixtures")
}

/// A geometry's kind and its runs of points (one per line, or one for all points).
type Runs = (MvtGeomType, Vec<Vec<(i32, i32)>>);

/// The points of a decoded geometry, as runs.
fn runs(geometry: &geo_types::Geometry<i32>) -> Option<Runs> {
    let line = |l: &geo_types::LineString<i32>| l.0.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>();
    match geometry {
        geo_types::Geometry::Point(p) => Some((MvtGeomType::Point, vec![vec![(p.x(), p.y())]])),
        geo_types::Geometry::MultiPoint(m) => Some((
            MvtGeomType::Point,
            vec![m.0.iter().map(|p| (p.x(), p.y())).collect()],
        )),
        geo_types::Geometry::LineString(l) => Some((MvtGeomType::LineString, vec![line(l)])),
        geo_types::Geometry::MultiLineString(m) => {
            Some((MvtGeomType::LineString, m.0.iter().map(line).collect()))
        }
        _ => None,
    }
}

/// A valid fixture made of points and lines: its directory, its layers (name, extent) and
/// their features as mvt-reader decodes them.
struct Fixture {
    dir: PathBuf,
    layers: Vec<(String, u32)>,
    features: Vec<Vec<mvt_reader::feature::Feature<i32>>>,
}

/// Every valid fixture (version 2) made of points and lines that a tile of Athar could
/// hold.
fn point_and_line_fixtures() -> Vec<Fixture> {
    let root = fixtures();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup-web", root.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    let mut found = Vec::new();
    for dir in entries {
        let info: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("info.json")).unwrap()).unwrap();
        if info["validity"]["v2"] != true {
            continue;
        }
        let bytes = std::fs::read(dir.join("tile.mvt")).unwrap();
        let Ok(reader) = mvt_reader::Reader::new(bytes) else {
            continue;
        };
        let Ok(layers) = reader.get_layer_metadata() else {
            continue;
        };
        // Only fixtures whose every feature is a point or a line (Athar encodes no polygons).
        let decoded: Vec<Vec<mvt_reader::feature::Feature<i32>>> = match (0..layers.len())
            .map(|i| reader.get_features_as::<i32>(i))
            .collect::<Result<_, _>>()
        {
            Ok(decoded) => decoded,
            Err(_) => continue,
        };
        // Only coordinates a tile of Athar can hold (pixels of the tile and its buffer,
        // far from the int32 overflow fixtures 049 and 050 test).
        let all_points_and_lines = decoded.iter().flatten().all(|feature| {
            runs(&feature.geometry).is_some_and(|(_, parts)| {
                parts
                    .iter()
                    .flatten()
                    .all(|(x, y)| x.unsigned_abs() < 1 << 20 && y.unsigned_abs() < 1 << 20)
            })
        });
        if decoded.iter().all(Vec::is_empty) || !all_points_and_lines {
            continue;
        }
        found.push(Fixture {
            dir,
            layers: layers.iter().map(|l| (l.name.clone(), l.extent)).collect(),
            features: decoded,
        });
    }
    found
}

/// The fixture's name, for messages.
fn name(fixture: &Fixture) -> String {
    fixture
        .dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn the_encoder_reproduces_the_valid_point_and_line_fixtures() {
    let mut checked = Vec::new();
    for fixture in point_and_line_fixtures() {
        let Fixture {
            ref dir,
            ref layers,
            features: ref decoded,
        } = fixture;
        let mut tile = MvtTileBuilder::new();
        for ((layer_name, extent), features) in layers.iter().zip(decoded) {
            let mut layer = tile.layer(layer_name.as_str()).unwrap();
            layer.extent(fast_mvt::MvtExtent::new(*extent).unwrap());
            for feature in features {
                let (kind, parts) = runs(&feature.geometry).unwrap();
                let mut written = layer.feature_of(kind);
                let coords = |part: &Vec<(i32, i32)>| {
                    part.iter()
                        .map(|&(x, y)| MvtCoord { x, y })
                        .collect::<Vec<_>>()
                };
                for part in &parts {
                    if kind == MvtGeomType::LineString {
                        written.line(coords(part)).unwrap();
                    } else {
                        written.points(coords(part)).unwrap();
                    }
                }
                written.id(feature.id);
                let mut properties: Vec<_> = feature
                    .properties
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                properties.sort_by(|a, b| a.0.cmp(&b.0));
                for (key, value) in properties {
                    let value = match &value {
                        Value::String(v) => MvtValueRef::String(v),
                        Value::Float(v) => MvtValueRef::Float(*v),
                        Value::Double(v) => MvtValueRef::Double(*v),
                        Value::Int(v) => MvtValueRef::Int(*v),
                        Value::UInt(v) => MvtValueRef::UInt(*v),
                        Value::SInt(v) => MvtValueRef::SInt(*v),
                        Value::Bool(v) => MvtValueRef::Bool(*v),
                        Value::Null => MvtValueRef::Null,
                    };
                    written.tag_ref(&key, value).unwrap();
                }
                layer = written.end();
            }
            tile = layer.end();
        }
        let again = mvt_reader::Reader::new(tile.encode()).expect("our tile decodes");
        assert_eq!(
            again.get_layer_names().unwrap(),
            layers.iter().map(|l| l.0.clone()).collect::<Vec<_>>(),
            "{}",
            dir.display()
        );
        for (index, features) in decoded.iter().enumerate() {
            let ours = again.get_features_as::<i32>(index).unwrap();
            assert_eq!(ours.len(), features.len(), "{}", dir.display());
            for (a, b) in ours.iter().zip(features) {
                assert_eq!(runs(&a.geometry), runs(&b.geometry), "{}", dir.display());
                assert_eq!(a.id, b.id, "{}", dir.display());
                assert_eq!(a.properties, b.properties, "{}", dir.display());
            }
        }
        checked.push(name(&fixture));
    }
    println!("fixtures reproduced: {}", checked.join(", "));
    assert!(checked.len() >= 15, "only {checked:?}");
}

/// The point of a feature that is one point (mvt-reader gives a one-point MultiPoint).
fn single_point(geometry: &geo_types::Geometry<i32>) -> Option<[i32; 2]> {
    match geometry {
        geo_types::Geometry::Point(p) => Some([p.x(), p.y()]),
        geo_types::Geometry::MultiPoint(m) if m.0.len() == 1 => Some([m.0[0].x(), m.0[0].y()]),
        _ => None,
    }
}

/// The incidents layer's own encoder (`athar_tiles::layer::PointLayer`), checked against
/// the valid fixtures of one layer of single points whose properties are strings,
/// unsigned integers and booleans (what it writes): each, encoded again, decodes to the
/// same name, extent, points and properties.
#[test]
fn the_point_layer_encoder_reproduces_the_valid_single_point_fixtures() {
    use athar_tiles::layer::PointLayer;
    let mut checked = Vec::new();
    for fixture in point_and_line_fixtures() {
        let [(layer_name, extent)] = fixture.layers.as_slice() else {
            continue;
        };
        let features = &fixture.features[0];
        let writable = features.iter().all(|feature| {
            single_point(&feature.geometry).is_some()
                && feature.properties.iter().flatten().all(|(_, value)| {
                    matches!(value, Value::String(_) | Value::UInt(_) | Value::Bool(_))
                })
        });
        if !writable {
            continue;
        }
        let mut layer = PointLayer::new(layer_name, *extent);
        for feature in features {
            let mut properties: Vec<_> = feature.properties.iter().flatten().collect();
            properties.sort_by(|a, b| a.0.cmp(b.0));
            let keys: Vec<_> = properties.iter().map(|(key, _)| layer.key(key)).collect();
            layer.point(single_point(&feature.geometry).unwrap(), |written| {
                for (key, (_, value)) in keys.iter().zip(&properties) {
                    match value {
                        Value::String(text) => written.string(*key, text),
                        Value::UInt(n) => written.uint(*key, *n),
                        Value::Bool(flag) => written.bool(*key, *flag),
                        other => unreachable!("not writable: {other:?}"),
                    };
                }
            });
        }
        let again =
            mvt_reader::Reader::new(layer.encode().expect("features")).expect("our tile decodes");
        let metadata = again.get_layer_metadata().unwrap();
        assert_eq!(
            (metadata[0].name.as_str(), metadata[0].extent),
            (layer_name.as_str(), *extent),
            "{}",
            name(&fixture)
        );
        let ours = again.get_features_as::<i32>(0).unwrap();
        assert_eq!(ours.len(), features.len(), "{}", name(&fixture));
        for (a, b) in ours.iter().zip(features) {
            assert_eq!(
                single_point(&a.geometry),
                single_point(&b.geometry),
                "{}",
                name(&fixture)
            );
            assert_eq!(a.properties, b.properties, "{}", name(&fixture));
        }
        checked.push(name(&fixture));
    }
    println!("fixtures reproduced: {}", checked.join(", "));
    assert!(checked.len() >= 20, "only {checked:?}");
}
