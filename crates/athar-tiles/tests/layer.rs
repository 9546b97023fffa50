//! Point layers written by `PointLayer`, decoded by an independent decoder (mvt-reader):
//! every feature comes back at its pixel with its properties, in order.

use std::collections::BTreeMap;

use athar_tiles::layer::PointLayer;
use mvt_reader::feature::Value as Decoded;
use proptest::prelude::*;

/// A property as the test gives it.
#[derive(Debug, Clone)]
enum Property {
    Text(String),
    Dated(u16),
    Number(u64),
    Flag(bool),
}

impl Property {
    fn expected(&self) -> Decoded {
        match self {
            Self::Text(text) => Decoded::String(text.clone()),
            Self::Dated(day) => Decoded::String(format!("day {day}")),
            Self::Number(n) => Decoded::UInt(*n),
            Self::Flag(flag) => Decoded::Bool(*flag),
        }
    }
}

fn property() -> impl Strategy<Value = Property> {
    prop_oneof![
        // A few texts, so that values repeat, Arabic and empty among them.
        prop::sample::select(vec!["attack", "fire", "قرية 12", "", "kafr nabl"])
            .prop_map(|t| Property::Text(t.to_owned())),
        (0u16..20).prop_map(Property::Dated),
        prop_oneof![0u64..70, any::<u64>()].prop_map(Property::Number),
        any::<bool>().prop_map(Property::Flag),
    ]
}

type Feature = ([i32; 2], BTreeMap<String, Property>);

fn features() -> impl Strategy<Value = Vec<Feature>> {
    let keys = prop::sample::select(vec!["kind", "killed", "community", "cluster", "count"]);
    prop::collection::vec(
        (
            [-64i32..4160, -64i32..4160],
            prop::collection::btree_map(keys.prop_map(str::to_owned), property(), 0..5),
        ),
        1..40,
    )
}

proptest! {
    #[test]
    fn every_point_decodes_to_its_pixel_and_properties(features in features()) {
        let mut layer = PointLayer::new("incidents", 4096);
        let keys: BTreeMap<String, _> = ["kind", "killed", "community", "cluster", "count", "id"]
            .into_iter()
            .map(|name| (name.to_owned(), layer.key(name)))
            .collect();
        let days: Vec<String> = (0..20).map(|day| format!("day {day}")).collect();
        for (index, (pixel, properties)) in features.iter().enumerate() {
            layer.point(*pixel, |feature| {
                for (name, property) in properties {
                    let key = keys[name];
                    match property {
                        Property::Text(text) => feature.string(key, text),
                        Property::Dated(day) => {
                            feature.string_for(key, u64::from(*day), &days[usize::from(*day)])
                        }
                        Property::Number(n) => feature.uint(key, *n),
                        Property::Flag(flag) => feature.bool(key, *flag),
                    };
                }
                feature.new_string(keys["id"], &format!("id-{index}"));
            });
        }
        let tile = layer.encode().expect("features were added");
        let reader = mvt_reader::Reader::new(tile).expect("a valid tile");
        prop_assert_eq!(reader.get_layer_names().unwrap(), ["incidents"]);
        let metadata = reader.get_layer_metadata().unwrap();
        prop_assert_eq!(metadata[0].extent, 4096);
        prop_assert_eq!(metadata[0].version, 2);
        let decoded = reader.get_features_as::<i32>(0).unwrap();
        prop_assert_eq!(decoded.len(), features.len());
        for (index, (feature, (pixel, properties))) in decoded.iter().zip(&features).enumerate() {
            // mvt-reader gives a one-point MultiPoint for any point.
            let point = match &feature.geometry {
                geo_types::Geometry::Point(point) => *point,
                geo_types::Geometry::MultiPoint(points) if points.0.len() == 1 => points.0[0],
                other => panic!("not a point: {other:?}"),
            };
            prop_assert_eq!([point.x(), point.y()], *pixel);
            let mut expected: BTreeMap<String, Decoded> = properties
                .iter()
                .map(|(name, property)| (name.clone(), property.expected()))
                .collect();
            expected.insert("id".into(), Decoded::String(format!("id-{index}")));
            let got: BTreeMap<String, Decoded> =
                feature.properties.clone().unwrap_or_default().into_iter().collect();
            prop_assert_eq!(got, expected);
        }
    }
}

#[test]
fn a_layer_without_features_is_no_tile() {
    let mut layer = PointLayer::new("incidents", 4096);
    layer.key("kind");
    assert!(layer.is_empty());
    assert_eq!(layer.encode(), None);
}
